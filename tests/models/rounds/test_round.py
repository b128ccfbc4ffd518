from datetime import date

import pytest
from sqlmodel import select

from messages import RuleError
from models.deadlines.calendar import WorkCalendar
from models.outbox import Notification
from models.people.directory import person_by_email
from models.people.org import Membership, Role, Unit
from models.rounds.round import Round, RoundAssignment, first_working_day, open_round, plan
from store.db import transaction
from tests.conftest import at

NOW = at("2026-12-01 08:30")


def test_first_working_day_follows_the_calendar():
    cal = WorkCalendar()
    assert first_working_day(cal, 2026, 10) == date(2026, 10, 8)  # National Day
    assert first_working_day(cal, 2026, 1) == date(2026, 1, 4)  # New Year; Sunday the 4th is worked
    assert first_working_day(cal, 2026, 2) == date(2026, 2, 2)
    assert first_working_day(cal, 2026, 12) == date(2026, 12, 1)


def test_plan_never_own_unit_and_spreads_the_load():
    units = [10, 11, 12, 13, 14]
    own = {1: {10}, 2: {11, 12}, 3: set(), 4: {14}}
    for turn in range(12):
        teams = plan(units, [1, 2, 3, 4], own, team=2, turn=turn)
        load = {p: sum(p in t for t in teams.values()) for p in own}
        assert all(p not in own or u not in own[p] for u, t in teams.items() for p in t)
        assert all(len(set(t)) == 2 for t in teams.values())
        assert max(load.values()) - min(load.values()) <= 1, (turn, load)
    with pytest.raises(RuleError) as err:
        plan([10], [1, 2], {1: {10}}, team=2)
    assert err.value.key == "round_short"


def test_open_round_is_once_per_month_with_one_mail_per_inspector(engine, policy):
    with transaction(engine) as s:  # an inspector who is also a member of a branch
        zhou = person_by_email(s, "zhou.jing@example.org")
        xinxi = s.exec(select(Unit).where(Unit.code == "zb-xinxi")).one()
        s.add(Membership(person_id=zhou.id, unit_id=xinxi.id, role=Role.owner))
    with transaction(engine) as s:
        rnd, new = open_round(s, month="2026-12", now=NOW, policy=policy)
        assert new and rnd.closes_on == date(2026, 12, 20)
    with transaction(engine) as s:
        rows = s.exec(select(RoundAssignment)).all()
        assert len(rows) == 10 and not any(r.unit_id == xinxi.id and r.inspector_id == zhou.id for r in rows)
        mails = s.exec(select(Notification)).all()
        assert sorted(m.recipient_email for m in mails) == [
            "wu.haitao@example.org", "zheng.yun@example.org", "zhou.jing@example.org"]
        assert sum(len(m.context["units"]) for m in mails) == 10 and len(mails[0].context["checklist"]) == 22
    with transaction(engine) as s:
        again, new = open_round(s, month="2026-12", now=at("2026-12-02 08:30"), policy=policy)
        assert not new and again.id == rnd.id
    with transaction(engine) as s:
        assert len(s.exec(select(RoundAssignment)).all()) == 10 and len(s.exec(select(Notification)).all()) == 3
        assert len(s.exec(select(Round)).all()) == 1


def test_open_round_refusals(engine, policy):
    with pytest.raises(RuleError) as err, transaction(engine) as s:
        open_round(s, month="2026-13", now=NOW, policy=policy)
    assert err.value.key == "bad_month"
    with pytest.raises(RuleError) as err, transaction(engine) as s:
        open_round(s, month="2026-12", now=NOW, policy=policy, team=4)  # only 3 inspectors
    assert err.value.key == "round_short" and "zb-" in err.value.render()
    with transaction(engine) as s:
        assert s.exec(select(Round)).all() == []


def test_a_round_opened_after_its_closing_day_closes_at_month_end(engine, policy):
    with transaction(engine) as s:
        rnd, _ = open_round(s, month="2026-11", now=at("2026-11-26 10:00"), policy=policy)
        assert rnd.closes_on == date(2026, 11, 30)
