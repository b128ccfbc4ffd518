"""A person sets their own messenger channel on /me/channels: it is checked before anything
changes, shown without its key, and removed again; another person's channels are untouched."""

from sqlmodel import select

from models.people.channels import Channel
from models.people.directory import person_by_email
from store.db import transaction
from tests.app.web import INSPECTOR, OWNER, csrf, message, portal, sign_in
from tests.stack import Stack


def active(stack: Stack, email: str) -> list[tuple[str, str, bool]]:
    with transaction(stack.engine) as s:
        person = person_by_email(s, email)
        return [(c.kind.value, c.target, c.everything) for c in s.exec(
            select(Channel).where(Channel.person_id == person.id, Channel.active == True))]  # noqa: E712


def test_a_person_sets_checks_and_removes_their_own_channel(stack: Stack):
    client = portal()
    sign_in(stack, client, OWNER)
    page = client.get("/me/channels")
    assert page.status_code == 200 and "尚未设置" in page.text
    token = csrf(page.text)
    saved = client.post("/me/channels", data={"csrf": token, "kind": "wecom", "target": "robot-key-abcdef123",
                                              "everything": "on"})
    assert saved.status_code == 303 and saved.headers["location"] == "/me/channels?done=saved"
    assert active(stack, OWNER) == [("wecom", "robot-key-abcdef123", True)]
    shown = client.get("/me/channels").text
    assert "robo…23" in shown and "robot-key-abcdef123" not in shown  # the key is a credential

    for bad, field in (({"kind": "webhook", "target": "http://127.0.0.1:4200/api/admin"}, "channel.target"),
                       ({"kind": "dingtalk", "target": "token-abcdef12"}, "channel.secret"),
                       ({"kind": "sms", "target": "13800000000"}, "channel.kind"),
                       # B2, B8: addresses that do not parse are refused on saving, never a 500
                       ({"kind": "webhook", "target": "http://[::1"}, "channel.target"),
                       ({"kind": "webhook", "target": "http://[localhost]/"}, "channel.target"),
                       ({"kind": "webhook", "target": "http://localhost:abc/hook"}, "channel.target")):
        refused = client.post("/me/channels", data={"csrf": token, **bad})
        assert refused.status_code == 400 and message(refused.text).startswith(field)
    assert active(stack, OWNER) == [("wecom", "robot-key-abcdef123", True)]  # nothing changed
    forged = client.post("/me/channels", data={"csrf": "forged", "kind": "wecom", "target": "other-key-123456"})
    assert forged.status_code in (400, 403) and active(stack, OWNER)[0][1] == "robot-key-abcdef123"

    removed = client.post("/me/channels", data={"csrf": token, "remove": "wecom"})
    assert removed.status_code == 303 and active(stack, OWNER) == []
    assert active(stack, INSPECTOR) == []


def test_signed_out_visitors_are_sent_to_sign_in(stack: Stack):
    client = portal()
    page = client.get("/me/channels", follow_redirects=False)
    assert page.status_code in (303, 307) and page.headers["location"].startswith("/login")
    refused = client.post("/me/channels", data={"kind": "wecom", "target": "robot-key-abcdef123"},
                          follow_redirects=False)
    assert refused.status_code in (303, 307, 401, 403)
