"""分解: an item split into sub-items, each its own item with an owner and a due date no later
than the parent's; the parent waits for them; the notice counts the parent once and lists
late sub-items against their own units."""

from datetime import date

import pytest
from sqlmodel import func, select

from messages import RuleError
from models.audit.chain import Event
from models.deadlines.escalation import DeadlinePolicy
from models.items import commands as cmd
from models.items.finding import Finding, State
from models.items.split import Part, open_parts, split
from models.notices.compliance import CompliancePolicy, month_compliance
from models.notices.figures import month_figures
from models.outbox import Notification
from models.people.directory import finding_by_code, person_by_email
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, MEMBER, SECRETARY, file_and_assign

CHEN = "chen.xiaoyu@example.org"  # an owner in 办公室党支部


def do_split(engine, policy, code: str, actor: str, parts: list[Part], when: str = "2026-11-02 11:00") -> list[str]:
    with transaction(engine) as s:
        return [f.code for f in split(s, actor=person_by_email(s, actor), finding=finding_by_code(s, code),
                                      parts=parts, now=at(when), policy=policy)]


def two_parts(due_a: date = date(2026, 11, 6), due_b: date = date(2026, 11, 9)) -> list[Part]:
    return [Part("zb-bangongshi", CHEN, "办公室配合整理台账", due_a),
            Part("zb-xinxi", MEMBER, "信息中心上线运维平台", due_b, detail="两周内")]


def count(engine) -> int:
    with transaction(engine) as s:
        return s.exec(select(func.count()).select_from(Finding)).one()


def test_the_owner_splits_and_each_part_is_an_item_of_its_own(engine, policy):
    parent = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)  # 高鹏's, due Nov 9
    a, b = do_split(engine, policy, parent, SECRETARY, two_parts())
    with transaction(engine) as s:
        p = finding_by_code(s, parent)
        for code, unit_owner, due in ((a, CHEN, date(2026, 11, 6)), (b, MEMBER, date(2026, 11, 9))):
            f = finding_by_code(s, code)
            assert (f.parent_id, f.state, f.due_on, f.original_due_on) == (p.id, State.assigned, due, due)
            assert s.get(type(person_by_email(s, unit_owner)), f.owner_id).email == unit_owner
        mails = {n.recipient_email: n for n in s.exec(select(Notification).where(Notification.template == "assigned"))}
        assert {CHEN, MEMBER} <= set(mails) and mails[CHEN].context["parent"] == parent
        assert mails[CHEN].context["parent_owner"] == "高鹏"
        split_event = s.exec(select(Event).where(Event.kind == "split")).one()
        assert split_event.data["parts"] == [a, b] and split_event.actor == SECRETARY
        filed = s.exec(select(Event).where(Event.kind == "file", Event.finding_id == finding_by_code(s, a).id)).one()
        assert filed.data["parent"] == parent
        assert p.state is State.assigned  # the parent stays with its owner


@pytest.mark.parametrize(("actor", "parts", "key", "field"), [
    (SECRETARY, two_parts(due_b=date(2026, 11, 10)), "split_due", "parts[2].due"),  # after the parent's
    (SECRETARY, two_parts(due_a=date(2026, 11, 2)), "date_in_past", "parts[1].due"),
    (SECRETARY, [Part("nowhere", CHEN, "x", date(2026, 11, 6))], "unknown_unit", "parts[1].unit"),
    (SECRETARY, [Part("zb-xinxi", "nobody@example.org", "x", date(2026, 11, 6))], "unknown_person", "parts[1].owner"),
    (SECRETARY, [Part("zb-xinxi", CHEN, " ", date(2026, 11, 6))], "required", "parts[1].title"),
    (SECRETARY, [], "split_parts", "parts"),
    (MEMBER, two_parts(), "forbidden", "as"),  # neither its owner nor an inspector
])
def test_a_bad_split_is_refused_whole(engine, policy, actor, parts, key, field):
    parent = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)
    before = count(engine)
    with pytest.raises(RuleError) as refused:
        do_split(engine, policy, parent, actor, parts)
    assert (refused.value.key, refused.value.field) == (key, field)
    assert count(engine) == before


def test_the_parent_waits_for_its_parts_and_a_part_is_not_split_again(engine, policy):
    parent = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)
    a, b = do_split(engine, policy, parent, INSPECTOR, two_parts())  # an inspector may split too
    with pytest.raises(RuleError) as twice:
        do_split(engine, policy, a, CHEN, [Part("zb-bangongshi", CHEN, "再分", date(2026, 11, 5))])
    assert twice.value.key == "split_twice"

    def submit(code: str, who: str, when: str) -> None:
        with transaction(engine) as s:
            cmd.submit(s, actor=person_by_email(s, who), finding=finding_by_code(s, code), account="已整改",
                       files=[], now=at(when), policy=policy)

    with pytest.raises(RuleError) as waiting:
        submit(parent, SECRETARY, "2026-11-03 10:00")
    assert waiting.value.key == "parts_open" and a in str(waiting.value) and b in str(waiting.value)
    submit(a, CHEN, "2026-11-03 10:00")
    with transaction(engine) as s:
        cmd.accept(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, a), now=at("2026-11-03 11:00"),
                   policy=policy)
        cmd.withdraw(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, b), reason="并入原事项",
                     now=at("2026-11-03 11:00"), policy=policy)
        assert open_parts(s, finding_by_code(s, parent)) == []
        [told] = s.exec(select(Notification).where(Notification.template == "parts_done")).all()
        assert told.recipient_email == SECRETARY and told.context["code"] == parent  # once, after the last part
    submit(parent, SECRETARY, "2026-11-04 10:00")


def test_the_notice_counts_the_parent_once_and_lists_late_parts_against_their_units(engine, policy):
    parent = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)  # 信息中心
    late, other = do_split(engine, policy, parent, SECRETARY, two_parts())  # due Nov 6 and 9, both left open
    with transaction(engine) as s:
        fig = month_figures(s, year=2026, month=11, now=at("2026-11-20 10:00"), compliance=CompliancePolicy(),
                            deadlines=DeadlinePolicy())
        compliance = month_compliance(s, year=2026, month=11, policy=CompliancePolicy())
    assert fig.totals["found"] == 1  # the parent, once
    rows = {b.unit: b for b in fig.branches}
    assert rows["zb-xinxi"].found == 1 and rows["zb-bangongshi"].found == 0
    assert {(p.code, p.unit, p.detail) for p in fig.late_parts} == {(late, "办公室党支部", parent),
                                                                     (other, "信息中心党支部", parent)}
    verdict = {b.unit: b for b in compliance.branches}
    assert any(late in r for r in verdict["zb-bangongshi"].reasons)  # late against its own unit
    from notifications.notice_text import sections
    text = "\n".join(p for sec in sections(fig.as_json()) for p in sec.paragraphs)
    assert f"办公室党支部：{late}" in text and f"分解自{parent}" in text


def test_a_parts_verifier_may_accept_it(engine, policy):
    # B3: the secretary (the item's owner) splits it; a part's evidence is for someone who may
    # accept it (the inspector who filed the item), not the secretary who filed the part.
    parent = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy)
    a, _ = do_split(engine, policy, parent, SECRETARY, two_parts())
    with transaction(engine) as s:
        cmd.submit(s, actor=person_by_email(s, CHEN), finding=finding_by_code(s, a), account="台账已整理",
                   files=[], now=at("2026-11-03 10:00"), policy=policy)
        asked = [n.recipient_email for n in s.exec(select(Notification).where(Notification.template == "submitted"))]
    assert asked == [INSPECTOR]
    with transaction(engine) as s:
        cmd.accept(s, actor=person_by_email(s, asked[0]), finding=finding_by_code(s, a), now=at("2026-11-03 11:00"),
                   policy=policy)
