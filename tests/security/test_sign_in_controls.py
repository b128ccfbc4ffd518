"""等保 2.0 identity controls in the portal, through its real pages: a lock-out after repeated
failures (per address and per person, with its delay), an idle session that ends, an admin's
second factor (wrong, right, replayed), an admin listing and ending another's session, and
the break-glass link printed on the console."""

from datetime import timedelta

import pyotp
from sqlmodel import col, select

from app.web.security import SESSION_COOKIE
from models.access.attempts import SignInAttempt
from models.access.sessions import PortalSession
from models.links import SpentToken
from models.people.directory import person_by_email
from store.clock import set_shift
from store.db import reading
from tests.app.second_factor import key_in, next_code
from tests.app.web import (
    ADMIN,
    INSPECTOR,
    OWNER,
    admin_key,
    csrf,
    link_in,
    message,
    portal,
    second_step,
    sign_in,
    use_sign_in_link,
)
from tests.mail import mails
from tests.stack import Stack

FORGED = "/login/eyJwIjoic2lnbi1pbiJ9.forged"


def later(stack: Stack, minutes: int) -> None:
    """Move every process's clock of the stack `minutes` further on (from where it is)."""
    stack.__dict__["shift"] = stack.__dict__.get("shift", 0) + minutes
    set_shift(stack.data_dir, timedelta(minutes=stack.__dict__["shift"]))


def mailed_link(stack: Stack, client, email: str) -> str:
    """A fresh sign-in link by mail (a minute later each time: one sign-in mail a minute)."""
    later(stack, 1)
    page = client.get("/login")
    client.post("/login", data={"email": email, "csrf": csrf(page.text), "next": "/"})
    sent = [m for m in mails(stack.sink.folder) if m["To"] == email and m["Subject"].startswith("【登录】")]
    return link_in(sent[-1])


def attempts(stack: Stack) -> list[SignInAttempt]:
    with reading(stack.engine) as s:
        return list(s.exec(select(SignInAttempt).order_by(col(SignInAttempt.id))))


def test_five_failures_from_an_address_lock_it_out_until_the_delay_has_passed(stack: Stack):
    client = portal()
    good = mailed_link(stack, client, INSPECTOR)
    for _ in range(5):  # someone trying forged links
        page = client.get("/login")
        assert client.post(FORGED, data={"csrf": csrf(page.text), "next": "/"}).status_code == 400

    refused = use_sign_in_link(client, good)  # now even a good link from that address waits
    assert refused.status_code == 400 and "登录失败次数过多" in message(refused.text)
    assert SESSION_COOKIE not in client.cookies
    recorded = attempts(stack)
    assert [(a.ok, a.why, a.address) for a in recorded] == [(False, "link_invalid", "testclient")] * 5

    with reading(stack.engine) as s:
        assert s.exec(select(SpentToken)).all() == []  # the refusal used nothing

    later(stack, 15)  # the delay (15 minutes after the last failure) has passed
    assert use_sign_in_link(client, mailed_link(stack, client, INSPECTOR)).status_code == 303
    assert client.get("/").status_code == 200
    assert attempts(stack)[-1].ok


def test_wrong_codes_lock_the_admin_out(stack: Stack):
    key = admin_key(stack)
    client = portal()
    for _ in range(5):  # good links, wrong codes
        response = use_sign_in_link(client, mailed_link(stack, client, ADMIN))
        page = client.get(response.headers["location"])
        wrong = client.post("/second-factor", data={"csrf": csrf(page.text), "code": "000000", "next": "/"})
        assert "动态口令不正确" in message(wrong.text)
    with reading(stack.engine) as s:
        admin_id = person_by_email(s, ADMIN).id
    assert [a.why for a in attempts(stack) if a.person_id == admin_id] == ["bad_code"] * 5

    response = use_sign_in_link(client, mailed_link(stack, client, ADMIN))
    assert "登录失败次数过多" in message(response.text)  # refused before the link is used
    later(stack, 15)
    assert second_step(client, use_sign_in_link(client, mailed_link(stack, client, ADMIN)), key).status_code == 303
    assert client.get("/").status_code == 200


def test_an_idle_session_ends_and_a_used_one_goes_on(stack: Stack):
    client = portal()
    sign_in(stack, client, OWNER)
    later(stack, 25)
    assert client.get("/").status_code == 200  # used within the 30 minutes: it goes on from here
    later(stack, 25)
    assert client.get("/").status_code == 200
    later(stack, 31)  # 31 minutes without a page
    gone = client.get("/")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    with reading(stack.engine) as s:
        row = s.exec(select(PortalSession)).one()
    assert row.ended_at is None and row.last_seen_at > row.started_at  # idle, not ended by anyone


def test_an_admin_gives_a_second_factor_which_works_once(stack: Stack):
    client = portal()
    missing = use_sign_in_link(client, mailed_link(stack, client, ADMIN))  # not enrolled yet: refused
    assert "rectiflow admin second-factor sun.hongmei@example.org" in message(missing.text)

    key = key_in(stack.cli("admin", "second-factor", ADMIN))
    link = mailed_link(stack, client, ADMIN)
    first = use_sign_in_link(client, link)
    assert first.headers["location"].startswith("/second-factor") and SESSION_COOKIE not in client.cookies
    assert client.get("/").status_code == 303  # no session before the code

    page = client.get(first.headers["location"])
    wrong = client.post("/second-factor", data={"csrf": csrf(page.text), "code": "123456", "next": "/"})
    assert wrong.status_code == 400 and SESSION_COOKIE not in client.cookies
    code = next_code(key)
    right = client.post("/second-factor", data={"csrf": csrf(page.text), "code": code, "next": "/"})
    assert right.status_code == 303 and client.get("/").status_code == 200

    thief = portal()  # the same code, seen over a shoulder, with another good link: refused
    stolen = use_sign_in_link(thief, mailed_link(stack, thief, ADMIN))
    page = thief.get(stolen.headers["location"])
    replay = thief.post("/second-factor", data={"csrf": csrf(page.text), "code": code, "next": "/"})
    assert "动态口令不正确或已使用过" in message(replay.text) and SESSION_COOKIE not in thief.cookies
    assert pyotp.TOTP(key).verify(code, valid_window=1)  # it was a real code, refused only as used


def test_an_admin_lists_and_ends_another_persons_session(stack: Stack):
    owner = portal()
    sign_in(stack, owner, OWNER)
    listed = stack.cli("admin", "sessions", "--email", OWNER)
    assert OWNER in listed and "link" in listed and "testclient" in listed
    with reading(stack.engine) as s:
        ref = s.exec(select(PortalSession)).one().digest[:12]
    assert ref in listed

    stack.cli("admin", "end-session", ref, "--as", INSPECTOR, expect=2)  # not an admin: nothing ended
    assert owner.get("/").status_code == 200
    assert "1" in stack.cli("admin", "end-session", ref, "--as", ADMIN)
    assert owner.get("/").status_code == 303  # the cookie opens nothing any more
    with reading(stack.engine) as s:
        row = s.exec(select(PortalSession)).one()
    assert row.ended_why == "revoked" and row.ended_by_id == person_by_email(s, ADMIN).id
    assert OWNER not in stack.cli("admin", "sessions")


def test_the_break_glass_link_is_printed_not_mailed_and_recorded_as_such(stack: Stack):
    key = admin_key(stack)
    before = len(mails(stack.sink.folder))
    printed = stack.cli("admin", "sign-in", ADMIN)
    link = printed[printed.index("/login/"):].split()[0]
    assert len(mails(stack.sink.folder)) == before
    client = portal()
    assert second_step(client, use_sign_in_link(client, link), key).status_code == 303
    assert client.get("/").status_code == 200
    assert [(a.method, a.ok) for a in attempts(stack)][-1] == ("code", True)
    stack.cli("admin", "sign-in", OWNER, expect=2)  # only an admin has a break-glass link


def test_logging_out_after_a_pause_ends_the_session_at_once(stack: Stack):
    """The session's last-seen time is written in a transaction of its own, never inside the
    logout's (on SQLite that would wait on itself until the busy timeout)."""
    import time

    client = portal()
    sign_in(stack, client, OWNER)
    later(stack, 5)  # past the minute after which a page would move last-seen
    home = client.get("/")
    later(stack, 5)
    started = time.monotonic()
    out = client.post("/logout", data={"csrf": csrf(home.text)})
    assert out.status_code == 303 and time.monotonic() - started < 10
    with reading(stack.engine) as s:
        assert s.exec(select(PortalSession)).one().ended_why == "logout"


def test_an_admin_ends_a_session_from_the_portal(stack: Stack):
    owner = portal()
    sign_in(stack, owner, OWNER)
    admin = portal()
    sign_in(stack, admin, ADMIN)
    assert owner.get("/admin/sessions").status_code == 403  # an owner sees nobody's sessions
    listed = admin.get("/admin/sessions")
    assert listed.status_code == 200 and "刘洋" not in listed.text and "高鹏" in listed.text
    with reading(stack.engine) as s:
        ref = next(r.digest[:12] for r in s.exec(select(PortalSession))
                   if r.person_id == person_by_email(s, OWNER).id)
    ended = admin.post("/admin/sessions", data={"csrf": csrf(listed.text), "ref": ref})
    assert ended.status_code == 303 and "会话已结束" in admin.get(ended.headers["location"]).text
    assert owner.get("/").status_code == 303  # signed out
    assert "高鹏" not in admin.get("/admin/sessions").text and admin.get("/").status_code == 200
