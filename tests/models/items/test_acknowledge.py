"""签收: the owner signs for an assigned item once; evidence handed in signs for it too; a new
owner signs afresh; an item not signed for within `acknowledge_within` working days is in the
owner's digest and the branch secretary hears of it once."""

from datetime import date

import pytest
from sqlmodel import select

from messages import RuleError
from models.audit.chain import Event
from models.deadlines.escalation import DeadlinePolicy, parse_deadline_policy
from models.deadlines.sweep import sweep
from models.items import commands as cmd
from models.items.finding import State
from models.outbox import Notification
from models.people.directory import finding_by_code, person_by_email
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, MEMBER, SECRETARY, SUPERVISOR, file_and_assign


def do(engine, policy, fn, code: str, actor: str, when: str, **kw):
    with transaction(engine) as s:
        return fn(s, actor=person_by_email(s, actor), finding=finding_by_code(s, code), now=at(when),
                  policy=policy, **kw)


def item(engine, code: str):
    with transaction(engine) as s:
        return finding_by_code(s, code)


def test_the_owner_signs_once_and_nobody_else_may(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)  # owner: the secretary
    for stranger in (MEMBER, INSPECTOR, SUPERVISOR):
        with pytest.raises(RuleError) as refused:
            do(engine, policy, cmd.acknowledge, code, stranger, "2026-11-02 11:00")
        assert refused.value.key == "forbidden"
    do(engine, policy, cmd.acknowledge, code, SECRETARY, "2026-11-02 11:00")
    f = item(engine, code)
    assert f.state is State.assigned and f.acknowledged_at == at("2026-11-02 11:00")
    with pytest.raises(RuleError) as again:
        do(engine, policy, cmd.acknowledge, code, SECRETARY, "2026-11-02 12:00")
    assert again.value.key == "already_acknowledged" and "2026-11-02" in again.value.render("zh")
    assert item(engine, code).acknowledged_at == at("2026-11-02 11:00")  # the refusal changed nothing
    with transaction(engine) as s:
        kinds = [e.kind for e in s.exec(select(Event).where(Event.finding_id == f.id).order_by(Event.seq))]
    assert kinds == ["file", "assign", "acknowledge"]


def test_evidence_signs_for_it_and_a_new_owner_signs_afresh(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)
    do(engine, policy, cmd.reassign, code, SUPERVISOR, "2026-11-03 10:00", to=MEMBER)
    assert item(engine, code).acknowledged_at is None
    do(engine, policy, cmd.submit, code, MEMBER, "2026-11-04 10:00", account="已整改", files=[])
    assert item(engine, code).acknowledged_at == at("2026-11-04 10:00")
    with transaction(engine) as s:
        submitted = s.exec(select(Event).where(Event.kind == "submit")).one()
    assert submitted.data["acknowledged"] is True
    do(engine, policy, cmd.return_item, code, INSPECTOR, "2026-11-05 10:00", reason="材料不全")
    assert item(engine, code).acknowledged_at == at("2026-11-04 10:00")  # a return keeps the signature
    do(engine, policy, cmd.reassign, code, SUPERVISOR, "2026-11-05 11:00", to=SECRETARY)
    assert item(engine, code).acknowledged_at is None


def run(engine, policy, day: date, within: int = 2, reminders: tuple[int, ...] = ()):
    with transaction(engine) as s:
        return sweep(s, now=at(f"{day} 09:00"), policy=policy,
                     deadlines=DeadlinePolicy(acknowledge_within=within, reminders=reminders))


def lines(engine) -> dict[tuple[str, str], list[tuple[str, str, bool]]]:
    with transaction(engine) as s:
        rows = s.exec(select(Notification).where(Notification.template == "digest")).all()
        return {(r.recipient_email, r.context["day"]): [(i["code"], i["why"], i["unsigned"])
                                                        for i in r.context["items"]] for r in rows}


def test_an_item_not_signed_for_is_told_once_to_owner_and_secretary(engine, policy):
    # Assigned Fri Nov 6 to 梁雪 (named owner); the secretary is 高鹏. Two working days: Mon 9, Tue 10.
    late = file_and_assign(engine, now=at("2026-11-06 16:00"), policy=policy, owner=MEMBER)
    signed = file_and_assign(engine, now=at("2026-11-06 16:00"), policy=policy, owner=MEMBER, acknowledged=True)
    assert run(engine, policy, date(2026, 11, 9)).unacknowledged == 0  # one working day: not yet
    assert run(engine, policy, date(2026, 11, 10)).unacknowledged == 2
    told = lines(engine)
    assert told == {(MEMBER, "2026-11-10"): [(late, "unacknowledged", True)],
                    (SECRETARY, "2026-11-10"): [(late, "unacknowledged", True)]}
    assert signed not in str(told)
    with transaction(engine) as s:
        mail = s.exec(select(Notification).where(Notification.recipient_email == SECRETARY)).one()
    assert mail.context["items"][0]["mine"] is False and mail.context["items"][0]["days"] == 2
    # Days later, still not signed: nobody is told again (the owner's daily overdue lines come with the ladder).
    assert run(engine, policy, date(2026, 11, 11)).unacknowledged == 0
    assert run(engine, policy, date(2026, 11, 12)).unacknowledged == 0
    assert set(lines(engine)) == {(MEMBER, "2026-11-10"), (SECRETARY, "2026-11-10")}


def test_signed_in_time_or_turned_off_tells_nobody(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-06 16:00"), policy=policy, owner=MEMBER)
    assert run(engine, policy, date(2026, 11, 10), within=0).unacknowledged == 0  # 0: never
    do(engine, policy, cmd.acknowledge, code, MEMBER, "2026-11-10 08:00")
    assert run(engine, policy, date(2026, 11, 10)).unacknowledged == 0
    assert lines(engine) == {}


def test_a_line_that_says_more_is_marked_not_signed_for(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-06 16:00"), policy=policy, owner=MEMBER)  # due Nov 13
    run(engine, policy, date(2026, 11, 10), reminders=(3, 1, 0))
    assert lines(engine)[(MEMBER, "2026-11-10")] == [(code, "reminder", True)]  # one line per item, flagged


def test_a_new_owner_gets_their_own_two_days(engine, policy):
    code = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, owner=MEMBER)
    do(engine, policy, cmd.reassign, code, SUPERVISOR, "2026-11-05 10:00", to=SECRETARY)
    assert run(engine, policy, date(2026, 11, 6)).unacknowledged == 0  # one working day since the reassignment
    assert run(engine, policy, date(2026, 11, 9)).unacknowledged == 1  # the new owner, who is also the secretary
    assert lines(engine) == {(SECRETARY, "2026-11-09"): [(code, "unacknowledged", True)]}


@pytest.mark.parametrize("value", [-1, 31, "2", True])
def test_a_bad_acknowledge_within_is_refused_naming_it(value):
    raw = {"reminders": [3, 1, 0], "acknowledge_within": value,
           "levels": [{"level": 1, "after": 1, "colour": "blue", "notify": ["owner"]}]}
    with pytest.raises(RuleError) as refused:
        parse_deadline_policy(raw, source="escalation.yaml")
    assert "acknowledge_within" in refused.value.render("en")
