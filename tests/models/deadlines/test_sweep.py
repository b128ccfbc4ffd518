"""A simulated autumn on a moving clock over the demo organisation, across Mid-Autumn and
National Day 2026 (Sep 25 and Oct 1-7 off; Sun Sep 20 and Sat Oct 10 worked).

Item A (zb-xinxi, owner 高鹏, immediate, assigned Mon Sep 21) is due Tue Sep 29:
reminders Sep 23 (3 left), Sep 28 (1), Sep 29 (0); blue Sep 30 (1 overdue), yellow Mon
Oct 12 (5: Sep 30, Oct 8, 9, 10, 12), red Mon Oct 19 (10); submitted Oct 20.
Item B (zb-xinxi, owner 梁雪, immediate, assigned Mon Sep 28) is due Sat Oct 10 (调休):
reminders Sep 30 (3: Oct 8, 9, 10), Oct 9 (1); extended on Oct 9 to Fri Oct 16:
reminders Oct 13 (3), Oct 15 (1), Oct 16 (0); submitted Oct 16.
The inspector who filed both verifies: B's evidence has waited 3 working days on Wed Oct 21,
A's on Fri Oct 23: each is told once, in that day's digest.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlmodel import select

from messages import RuleError
from models.deadlines.alerts import Alert
from models.deadlines.escalation import DeadlinePolicy, Escalation, parse_deadline_policy
from models.deadlines.sweep import sweep
from models.items import commands as cmd
from models.items.extension import decide_extension, request_extension
from models.items.finding import State
from models.outbox import Notification
from models.people.channels import ChannelKind, set_channel
from models.people.directory import finding_by_code, person_by_email
from services.rulebook import load_deadline_policy
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, SUPERVISOR, file_and_assign

GAO, LIANG = "gao.peng@example.org", "liang.xue@example.org"
SUPERVISORS = {SUPERVISOR, "li.xiaodong@example.org"}
LEADERSHIP = {"zhao.lihua@example.org", "qian.zhiyuan@example.org"}


def run_sweep(engine, policy, day: date, deadlines=None):
    with transaction(engine) as s:
        # 签收 reminders have tests of their own (tests/models/items/test_acknowledge.py).
        return sweep(s, now=at(f"{day} 09:00"), policy=policy,
                     deadlines=deadlines or DeadlinePolicy(acknowledge_within=0))


def digests(engine) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    with transaction(engine) as s:
        rows = s.exec(select(Notification).where(Notification.template == "digest",
                                                 Notification.channel_id == None)).all()  # noqa: E711 — the mail
        return {(r.recipient_email, r.context["day"]): [(i["code"], i["why"], i["colour"]) for i in r.context["items"]]
                for r in rows}


def act(engine, policy, day: date, fn, code: str, actor: str, **kw):
    with transaction(engine) as s:
        return fn(s, actor=person_by_email(s, actor), finding=finding_by_code(s, code), now=at(f"{day} 10:00"),
                  policy=policy, **kw)


def test_a_month_of_sweeps(engine, policy):
    with transaction(engine) as s:  # 高鹏 reads two robots, one supervisor a webhook, besides mail
        for email, kind, target in ((GAO, ChannelKind.wecom, "gao-wecom-key"),
                                    (GAO, ChannelKind.dingtalk, "gao-token-1"),
                                    (SUPERVISOR, ChannelKind.webhook, "https://hooks.example.org/sun")):
            set_channel(s, person_id=person_by_email(s, email).id, kind=kind, target=target, secret="s3cret",
                        everything=False, now=at("2026-09-21 09:00"))
    a = file_and_assign(engine, now=at("2026-09-21 10:00"), policy=policy)
    b = None
    daily: dict[date, dict] = {}
    day = date(2026, 9, 21)
    while day <= date(2026, 10, 23):
        if day == date(2026, 9, 28):
            b = file_and_assign(engine, now=at("2026-09-28 08:00"), policy=policy, owner=LIANG,
                                manifestation="san-1")
        # The shipped policy, 签收 included: neither owner ever signs, so the secretary hears of B once.
        first = run_sweep(engine, policy, day, deadlines=DeadlinePolicy())
        again = run_sweep(engine, policy, day, deadlines=DeadlinePolicy())  # the same day again tells nobody
        assert (again.digests, again.reminders, again.escalations, again.deferred) == (0, 0, [], 0)
        daily[day] = first.summary() | {"escalations": first.escalations}
        if day == date(2026, 10, 9):
            act(engine, policy, day, request_extension, b, LIANG, to=date(2026, 10, 16), reason="需协调信息中心排期")
            act(engine, policy, day, decide_extension, b, SUPERVISOR, approve=True)
        if day == date(2026, 10, 16):
            act(engine, policy, day, cmd.submit, b, LIANG, account="已整改", files=[])
        if day == date(2026, 10, 20):
            act(engine, policy, day, cmd.submit, a, GAO, account="已整改", files=[])
        day += timedelta(days=1)

    # Nothing on non-working days; make-up days are working days.
    for off in [date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)] + \
               [date(2026, 10, d) for d in (1, 2, 3, 4, 5, 6, 7, 11, 17, 18)]:
        assert daily[off]["workday"] is False and daily[off]["digests"] == 0, off
    assert daily[date(2026, 10, 10)]["workday"] is True

    # The ladder, each step once, on the right working day.
    steps = {d: e["escalations"] for d, e in daily.items() if e["escalations"]}
    assert steps == {date(2026, 9, 30): [(a, 1)], date(2026, 10, 12): [(a, 2)], date(2026, 10, 19): [(a, 3)]}

    got = digests(engine)
    assert all(len(items) == len({c for c, _, _ in items}) for items in got.values())  # an item once per mail

    def days_of(email: str) -> list[str]:
        return sorted(d for (e, d) in got if e == email)

    def entry(email: str, day: str, code: str) -> tuple[str, str]:
        return next((why, colour) for c, why, colour in got[(email, day)] if c == code)

    # The owner of A: three reminders, then escalated blue, then daily while overdue.
    assert entry(GAO, "2026-09-23", a) == ("reminder", "")
    assert entry(GAO, "2026-09-28", a) == ("reminder", "")
    assert entry(GAO, "2026-09-29", a) == ("reminder", "")
    assert entry(GAO, "2026-09-30", a) == ("escalated", "blue")
    assert entry(GAO, "2026-10-12", a) == ("overdue", "yellow")
    assert entry(GAO, "2026-10-19", a) == ("overdue", "red")
    assert "2026-10-21" not in days_of(GAO)  # submitted on the 20th: no more nagging
    assert days_of(GAO) == ["2026-09-23", "2026-09-28", "2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09",
                            "2026-10-10", "2026-10-12", "2026-10-13", "2026-10-14", "2026-10-15", "2026-10-16",
                            "2026-10-19", "2026-10-20"]
    # The committee hears once, at yellow; leadership and discipline once, at red.
    for email in SUPERVISORS:
        assert days_of(email) == ["2026-10-12"] and got[(email, "2026-10-12")] == [(a, "escalated", "yellow")]
    for email in LEADERSHIP:
        assert days_of(email) == ["2026-10-19"] and got[(email, "2026-10-19")] == [(a, "escalated", "red")]
    # B's owner: reminders for Oct 10, then (after the extension) for Oct 16; never escalated.
    assert days_of(LIANG) == ["2026-09-30", "2026-10-09", "2026-10-13", "2026-10-15", "2026-10-16"]
    assert all(why == "reminder" for (e, _), items in got.items() if e == LIANG for _, why, _ in items)
    # The verifier: once per submission, after it has waited 3 working days.
    assert days_of(INSPECTOR) == ["2026-10-21", "2026-10-23"]
    assert got[(INSPECTOR, "2026-10-21")] == [(b, "verify", "")]
    assert got[(INSPECTOR, "2026-10-23")] == [(a, "verify", "red")]
    assert daily[date(2026, 10, 21)]["verify"] == 1 and daily[date(2026, 10, 22)]["verify"] == 0
    # 签收: B unsigned two working days after Sep 28 — its secretary hears once, in his one digest.
    assert (b, "unacknowledged", "") in got[(GAO, "2026-09-30")]
    assert sum(why == "unacknowledged" for items in got.values() for _, why, _ in items) == 1
    assert daily[date(2026, 9, 23)]["unacknowledged"] == 1  # A's (owner and secretary are one person)
    # Only these people got digests at all.
    assert {e for e, _ in got} == {GAO, LIANG, INSPECTOR} | SUPERVISORS | LEADERSHIP
    # At most one digest per person per working day per channel; each channel has the mail's days.
    with transaction(engine) as s:
        sent = [(r.recipient_email, r.context["day"], r.dedupe_key.partition("@")[2] or "mail")
                for r in s.exec(select(Notification).where(Notification.template == "digest"))]
    assert max(Counter(sent).values()) == 1
    for email, channel in ((GAO, "wecom"), (GAO, "dingtalk"), (SUPERVISOR, "webhook")):
        assert sorted(d for e, d, c in sent if e == email and c == channel) == days_of(email), (email, channel)
    assert {c for _, _, c in sent} == {"mail", "wecom", "dingtalk", "webhook"}

    with transaction(engine) as s:
        fa, fb = finding_by_code(s, a), finding_by_code(s, b)
        assert fa.escalation_level == 3 and fa.state is State.submitted
        assert (fb.due_on, fb.original_due_on, fb.escalation_level) == (date(2026, 10, 16), date(2026, 10, 10), 0)
        assert len(s.exec(select(Escalation)).all()) == 3


def test_reminders_follow_the_new_owner(engine, policy):
    code = file_and_assign(engine, now=at("2026-09-21 10:00"), policy=policy)
    run_sweep(engine, policy, date(2026, 9, 23))
    act(engine, policy, date(2026, 9, 24), cmd.reassign, code, GAO, to=LIANG)
    run_sweep(engine, policy, date(2026, 9, 28))
    got = digests(engine)
    assert (GAO, "2026-09-23") in got
    assert (LIANG, "2026-09-28") in got and (GAO, "2026-09-28") not in got


@pytest.mark.parametrize("change", ["reassign", "extension", "return with a new date"])
def test_untold_alerts_are_dropped_when_owner_or_deadline_changes(engine, policy, change):
    code = file_and_assign(engine, now=at("2026-09-21 10:00"), policy=policy)
    with transaction(engine) as s:  # an alert that missed today's digest (its person already had one)
        f = finding_by_code(s, code)
        s.add(Alert(finding_id=f.id, person_id=f.owner_id, kind="reminder", key=f"remind:{f.due_on}:1",
                    days=1, created_at=at("2026-09-23 09:00")))
    day = date(2026, 9, 23)
    if change == "reassign":
        act(engine, policy, day, cmd.reassign, code, GAO, to=LIANG)
    elif change == "extension":
        act(engine, policy, day, request_extension, code, GAO, to=date(2026, 10, 30), reason="排期")
        act(engine, policy, day, decide_extension, code, SUPERVISOR, approve=True)
    else:
        act(engine, policy, day, cmd.submit, code, GAO, account="已整改", files=[])
        act(engine, policy, day, cmd.return_item, code, INSPECTOR, reason="不完整", new_due=date(2026, 10, 30))
    with transaction(engine) as s:
        assert [a.cancelled for a in s.exec(select(Alert))] == [True]
    run_sweep(engine, policy, date(2026, 9, 24))
    # Nothing stale is told; a new owner hears the reminder that is due for them.
    expected = {(LIANG, "2026-09-24"): [(code, "reminder", "")]} if change == "reassign" else {}
    assert digests(engine) == expected


def test_extension_rules(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)  # due Mon Nov 9
    day = date(2026, 11, 3)
    with pytest.raises(RuleError) as err:
        act(engine, policy, day, request_extension, code, GAO, to=date(2026, 11, 6), reason="x")
    assert err.value.key == "extension_not_later"
    with pytest.raises(RuleError) as err:
        act(engine, policy, day, request_extension, code, LIANG, to=date(2026, 11, 20), reason="x")
    assert err.value.key == "forbidden"  # not the owner
    with pytest.raises(RuleError) as err:
        act(engine, policy, day, request_extension, code, GAO, to=date(2026, 11, 20), reason=" ")
    assert err.value.field == "reason"
    act(engine, policy, day, request_extension, code, GAO, to=date(2026, 11, 20), reason="等待设备到货")
    with pytest.raises(RuleError) as err:
        act(engine, policy, day, request_extension, code, GAO, to=date(2026, 11, 25), reason="再延")
    assert err.value.key == "extension_pending"
    with pytest.raises(RuleError) as err:
        act(engine, policy, day, decide_extension, code, INSPECTOR, approve=True)
    assert err.value.key == "forbidden"  # supervisors decide
    with pytest.raises(RuleError) as err:
        act(engine, policy, day, decide_extension, code, SUPERVISOR, approve=False, reason="")
    assert err.value.field == "reason"
    act(engine, policy, day, decide_extension, code, SUPERVISOR, approve=False, reason="理由不充分")
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        assert f.due_on == date(2026, 11, 9)
        mails = [(n.template, n.recipient_email) for n in s.exec(select(Notification).order_by(Notification.id))]
    assert ("extension_requested", SUPERVISOR) in mails and ("extension_decided", GAO) in mails
    # Too late: after the due date has passed.
    with pytest.raises(RuleError) as err:
        act(engine, policy, date(2026, 11, 10), request_extension, code, GAO, to=date(2026, 11, 30), reason="晚了")
    assert err.value.key == "extension_late"


def test_bulk_reassignment_moves_every_open_item(engine, policy):
    codes = [file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy) for _ in range(3)]
    with transaction(engine) as s:
        moved = cmd.reassign_all(s, actor=person_by_email(s, SUPERVISOR), from_email=GAO, to=LIANG,
                                 now=at("2026-11-03 10:00"), policy=policy)
    assert moved == codes
    with transaction(engine) as s:
        assert {finding_by_code(s, c).owner_id for c in codes} == {person_by_email(s, LIANG).id}
    with pytest.raises(RuleError), transaction(engine) as s:  # a secretary of another unit: nothing moves
        cmd.reassign_all(s, actor=person_by_email(s, "wang.jianguo@example.org"), from_email=LIANG, to=GAO,
                         now=at("2026-11-03 11:00"), policy=policy)
    with transaction(engine) as s:
        assert {finding_by_code(s, c).owner_id for c in codes} == {person_by_email(s, LIANG).id}


def test_verifier_reminders_can_be_turned_off(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)
    act(engine, policy, date(2026, 11, 3), cmd.submit, code, GAO, account="已整改", files=[])
    off = DeadlinePolicy(verify_after=0)
    assert run_sweep(engine, policy, date(2026, 11, 10), deadlines=off).verify == 0
    assert run_sweep(engine, policy, date(2026, 11, 11)).verify == 1


def test_deadline_policy_file_is_validated(tmp_path):
    assert load_deadline_policy() == DeadlinePolicy()
    with pytest.raises(RuleError) as err:
        parse_deadline_policy({"levels": [{"level": 1, "after": 1, "colour": "green", "notify": []}]}, source="p.yaml")
    assert "colour" in err.value.render()
    with pytest.raises(RuleError):
        parse_deadline_policy({"levels": [{"level": 1, "after": 5, "colour": "blue", "notify": ["owner"]},
                                          {"level": 2, "after": 3, "colour": "red", "notify": ["boss"]}]},
                              source="p.yaml")
    with pytest.raises(RuleError) as err:
        parse_deadline_policy({"verify_after": -1, "levels": []}, source="p.yaml")
    assert "verify_after" in err.value.render()


def test_a_sweep_in_small_chunks_decides_and_tells_the_same(engine, policy, monkeypatch):
    """The sweep reads due items CHUNK at a time and writes digests in batches: with chunks
    of 3 and batches of 2 lines, seven overdue items are each escalated once, each owner's
    digest lists each of their items once, and a second run tells nobody anything."""
    import models.deadlines.sweep as module

    monkeypatch.setattr(module, "CHUNK", 3)
    monkeypatch.setattr(module, "DIGEST_LINES", 2)
    owners = [GAO, LIANG]
    codes = [file_and_assign(engine, now=at("2026-09-21 10:00"), policy=policy, owner=owners[i % 2])
             for i in range(7)]  # immediate: due Tue Sep 29
    first = run_sweep(engine, policy, date(2026, 9, 30))
    assert sorted(first.escalations) == sorted((c, 1) for c in codes)
    assert sorted(o.code for o in first.overdue) == sorted(codes)
    assert all(o.colour == "blue" and o.level == 1 for o in first.overdue)
    got = digests(engine)
    assert all(len(items) == len({c for c, _, _ in items}) for items in got.values())  # an item once per mail
    assert sorted(c for c, _, _ in got[(LIANG, "2026-09-30")]) == sorted(codes[1::2])  # hers, nobody else's
    assert sorted(c for c, _, _ in got[(GAO, "2026-09-30")]) == sorted(codes)  # his own, and as secretary
    again = run_sweep(engine, policy, date(2026, 9, 30))
    assert (again.digests, again.reminders, again.escalations) == (0, 0, [])
    with transaction(engine) as s:
        assert len(s.exec(select(Escalation)).all()) == 7
        assert all(a.digest_id is not None for a in s.exec(select(Alert).where(Alert.cancelled == False)))  # noqa: E712


def test_a_sweep_stopped_between_chunks_is_finished_by_the_next(engine, policy, monkeypatch):
    """The caller commits at each checkpoint (services.jobs does, so the portal never waits
    for a whole sweep). A sweep that dies after two chunks of three has written those six
    items' steps for good; the next run steps the seventh, tells everyone once, doubles nothing."""
    import models.deadlines.sweep as module

    monkeypatch.setattr(module, "CHUNK", 3)
    codes = [file_and_assign(engine, now=at("2026-09-21 10:00"), policy=policy, owner=(GAO, LIANG)[i % 2])
             for i in range(7)]

    class Died(Exception):
        pass

    commits = []
    with pytest.raises(Died), transaction(engine) as s:
        def checkpoint() -> None:
            s.commit()
            commits.append(1)
            if len(commits) == 2:
                raise Died

        sweep(s, now=at("2026-09-30 09:00"), policy=policy, deadlines=DeadlinePolicy(), checkpoint=checkpoint)
    with transaction(engine) as s:
        assert len(s.exec(select(Escalation)).all()) == 6
    assert digests(engine) == {}  # it died before the digests

    again = run_sweep(engine, policy, date(2026, 9, 30))
    assert again.escalations == [(codes[6], 1)]
    got = digests(engine)
    assert sorted(c for c, _, _ in got[(GAO, "2026-09-30")]) == sorted(codes)
    assert sorted(c for c, _, _ in got[(LIANG, "2026-09-30")]) == sorted(codes[1::2])
    assert all(len(items) == len({c for c, _, _ in items}) for items in got.values())
    with transaction(engine) as s:
        assert len(s.exec(select(Escalation)).all()) == 7
