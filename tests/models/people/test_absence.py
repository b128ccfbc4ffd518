"""委托: an absence is checked whole before it is kept; while it lasts the person's mail and
digests go to the delegate, who acts for them with both names recorded, and separation of
duties binds both; when it ends the person's own mail resumes and the delegate's standing goes."""

from datetime import date

import pytest
from sqlmodel import func, select

from messages import RuleError
from models.audit.chain import Event
from models.deadlines.escalation import DeadlinePolicy
from models.deadlines.sweep import sweep
from models.items import commands as cmd
from models.items.lifecycle import Who, event_note, standing
from models.outbox import Notification
from models.people.absence import Absence, declare_absence, end_absence
from models.people.directory import finding_by_code, person_by_email
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, MEMBER, OTHER_SECRETARY, SECRETARY, SUPERVISOR, file_and_assign

SUPERVISOR2 = "li.xiaodong@example.org"
SONG = "song.kai@example.org"  # another owner in 信息中心
TZ = "Asia/Shanghai"


def away(engine, *, actor: str, person: str, delegate: str, first: str, last: str, when: str,
         reason: str = "外出培训") -> int:
    with transaction(engine) as s:
        return declare_absence(s, actor=person_by_email(s, actor), person=person_by_email(s, person),
                               delegate=person_by_email(s, delegate), first=date.fromisoformat(first),
                               last=date.fromisoformat(last), reason=reason, now=at(when), timezone=TZ).id


@pytest.mark.parametrize(("actor", "person", "delegate", "first", "last", "reason", "key"), [
    (MEMBER, SECRETARY, MEMBER, "2026-11-09", "2026-11-13", "x", "absence_forbidden"),  # not theirs to declare
    (SECRETARY, SECRETARY, OTHER_SECRETARY, "2026-11-09", "2026-11-13", "x", "absence_delegate_unit"),  # sister branch
    (SECRETARY, SECRETARY, SECRETARY, "2026-11-09", "2026-11-13", "x", "absence_self"),
    (SUPERVISOR, SECRETARY, SUPERVISOR, "2026-11-09", "2026-11-13", "x", "absence_self_delegate"),  # takes it over
    (SECRETARY, SECRETARY, MEMBER, "2026-11-01", "2026-11-13", "x", "absence_past"),
    (SECRETARY, SECRETARY, MEMBER, "2026-11-13", "2026-11-09", "x", "absence_span"),
    (SECRETARY, SECRETARY, MEMBER, "2026-11-09", "2027-03-01", "x", "absence_span"),
    (SECRETARY, SECRETARY, MEMBER, "2026-11-09", "2026-11-13", " ", "required"),
])
def test_a_bad_absence_is_refused_and_nothing_kept(engine, actor, person, delegate, first, last, reason, key):
    with pytest.raises(RuleError) as refused:
        away(engine, actor=actor, person=person, delegate=delegate, first=first, last=last, when="2026-11-06 10:00",
             reason=reason)
    assert refused.value.key == key
    with transaction(engine) as s:
        assert s.exec(select(func.count()).select_from(Absence)).one() == 0


def test_overlaps_and_chains_are_refused(engine):
    away(engine, actor=SECRETARY, person=SECRETARY, delegate=MEMBER, first="2026-11-09", last="2026-11-13",
         when="2026-11-06 10:00")
    for person, delegate, key in ((SECRETARY, SUPERVISOR2, "absence_overlap"),  # away twice at once
                                  (MEMBER, SECRETARY, "absence_chain"),  # the delegate is away then
                                  (MEMBER, SONG, "absence_chain")):  # the person stands in for someone then
        with pytest.raises(RuleError) as refused:
            away(engine, actor=SUPERVISOR, person=person, delegate=delegate, first="2026-11-12", last="2026-11-16",
                 when="2026-11-06 10:00")
        assert refused.value.key == key, (person, delegate)
    # A supervisor declares for someone else, from the unit above.
    away(engine, actor=SUPERVISOR, person=MEMBER, delegate=SUPERVISOR2, first="2026-11-16", last="2026-11-20",
         when="2026-11-06 10:00")


def test_the_delegate_gets_the_mail_and_acts_for_the_person_with_both_names(engine, policy):
    away(engine, actor=SECRETARY, person=SECRETARY, delegate=MEMBER, first="2026-11-09", last="2026-11-13",
         when="2026-11-06 10:00")
    code = file_and_assign(engine, now=at("2026-11-09 10:00"), policy=policy)  # the secretary owns it
    with transaction(engine) as s:
        [mail] = s.exec(select(Notification).where(Notification.template == "assigned")).all()
        assert mail.recipient_email == MEMBER and mail.context["recipient"] == "梁雪（代高鹏）"
        f = finding_by_code(s, code)
        assert Who.owner in standing(s, person_by_email(s, MEMBER), f, now=at("2026-11-10 10:00"))
    with transaction(engine) as s:
        cmd.acknowledge(s, actor=person_by_email(s, MEMBER), finding=finding_by_code(s, code),
                        now=at("2026-11-10 10:00"), policy=policy)
        cmd.submit(s, actor=person_by_email(s, MEMBER), finding=finding_by_code(s, code), account="已整改",
                   files=[], now=at("2026-11-10 11:00"), policy=policy)
    with transaction(engine) as s:
        events = {e.kind: e for e in s.exec(select(Event).where(Event.kind.in_(["acknowledge", "submit"])))}  # type: ignore[attr-defined]
    for e in events.values():
        assert e.actor == MEMBER and e.data["for"] == SECRETARY
    assert event_note("submit", events["submit"].data).startswith(f"代 {SECRETARY} 办理")
    # Back on Monday: the delegate stands for nothing; the secretary's own mail resumes.
    with transaction(engine) as s:
        assert Who.owner not in standing(s, person_by_email(s, MEMBER), finding_by_code(s, code),
                                         now=at("2026-11-16 09:00"))
    with transaction(engine) as s:
        cmd.return_item(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, code), reason="缺照片",
                        now=at("2026-11-16 10:00"), policy=policy)
        [returned] = s.exec(select(Notification).where(Notification.template == "returned")).all()
        assert returned.recipient_email == SECRETARY and returned.context["recipient"] == "高鹏"
        with pytest.raises(RuleError) as refused:  # nor can the delegate act for him any longer
            cmd.submit(s, actor=person_by_email(s, MEMBER), finding=finding_by_code(s, code), account="x",
                       files=[], now=at("2026-11-16 11:00"), policy=policy)
        assert refused.value.key == "forbidden"


def test_separation_of_duties_binds_the_delegate_and_the_person(engine, policy):
    # 高鹏 is away; 孙红梅 (a supervisor of the committee above) stands in for him.
    code = file_and_assign(engine, now=at("2026-11-06 10:00"), policy=policy)
    away(engine, actor=SECRETARY, person=SECRETARY, delegate=SUPERVISOR, first="2026-11-09", last="2026-11-13",
         when="2026-11-06 10:00")
    with transaction(engine) as s:
        cmd.submit(s, actor=person_by_email(s, SUPERVISOR), finding=finding_by_code(s, code), account="代为提交",
                   files=[], now=at("2026-11-09 10:00"), policy=policy)
    with transaction(engine) as s:  # she may not verify what she handed in for him …
        with pytest.raises(RuleError) as refused:
            cmd.accept(s, actor=person_by_email(s, SUPERVISOR), finding=finding_by_code(s, code),
                       now=at("2026-11-09 11:00"), policy=policy)
        assert refused.value.key == "same_person"  # she stands for the owner
    with transaction(engine) as s:
        end_absence(s, actor=person_by_email(s, SECRETARY), absence_id=1, now=at("2026-11-10 08:00"))
    with transaction(engine) as s:  # … nor after he is back: she submitted it
        with pytest.raises(RuleError) as refused:
            cmd.accept(s, actor=person_by_email(s, SUPERVISOR), finding=finding_by_code(s, code),
                       now=at("2026-11-10 09:00"), policy=policy)
        assert refused.value.key == "own_request"
        cmd.accept(s, actor=person_by_email(s, SUPERVISOR2), finding=finding_by_code(s, code),
                   now=at("2026-11-10 09:30"), policy=policy)


def test_the_persons_digest_lines_go_into_the_delegates_one_digest(engine, policy):
    mine = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, owner=MEMBER, acknowledged=True)
    his = file_and_assign(engine, now=at("2026-11-02 10:00"), policy=policy, acknowledged=True)  # 高鹏's
    away(engine, actor=SECRETARY, person=SECRETARY, delegate=MEMBER, first="2026-11-06", last="2026-11-06",
         when="2026-11-02 10:00")
    with transaction(engine) as s:  # both due Mon Nov 9: reminded on Fri Nov 6 (1 working day left)
        sweep(s, now=at("2026-11-06 09:00"), policy=policy, deadlines=DeadlinePolicy(acknowledge_within=0))
        digests = s.exec(select(Notification).where(Notification.template == "digest")).all()
    assert [d.recipient_email for d in digests] == [MEMBER]
    lines = {i["code"]: i["for"] for i in digests[0].context["items"]}
    assert lines == {mine: "", his: "高鹏"}
    with transaction(engine) as s:  # back on Monday: his own digest again
        sweep(s, now=at("2026-11-09 09:00"), policy=policy, deadlines=DeadlinePolicy(acknowledge_within=0))
        later = s.exec(select(Notification).where(Notification.template == "digest",
                                                  Notification.recipient_email == SECRETARY)).all()
    assert [i["code"] for i in later[0].context["items"]] == [his]


def test_the_notice_names_who_stood_in_for_whom(engine):
    from models.notices.compliance import CompliancePolicy
    from models.notices.figures import month_figures
    from notifications.notice_text import sections

    first = away(engine, actor=SECRETARY, person=SECRETARY, delegate=MEMBER, first="2026-11-09", last="2026-11-13",
                 when="2026-11-06 10:00")
    with transaction(engine) as s:
        end_absence(s, actor=person_by_email(s, MEMBER), absence_id=first, now=at("2026-11-12 10:00"))  # back sooner
    with transaction(engine) as s:
        fig = month_figures(s, year=2026, month=11, now=at("2026-11-20 10:00"), compliance=CompliancePolicy(),
                            deadlines=DeadlinePolicy())
    text = "\n".join(p for sec in sections(fig.as_json()) for p in sec.paragraphs)
    assert "本月外出委托：高鹏（11月9日至11月12日）由梁雪代为办理。" in text
    with transaction(engine) as s:
        october = month_figures(s, year=2026, month=10, now=at("2026-11-20 10:00"), compliance=CompliancePolicy(),
                                deadlines=DeadlinePolicy())
    assert october.absences == []


def test_a_deactivated_delegate_hands_the_mail_back(engine, policy):
    from models.people.org import Person

    away(engine, actor=SECRETARY, person=SECRETARY, delegate=MEMBER, first="2026-11-09", last="2026-11-13",
         when="2026-11-06 10:00")
    with transaction(engine) as s:
        member = person_by_email(s, MEMBER)
        member.active = False
        s.add(member)
    file_and_assign(engine, now=at("2026-11-09 10:00"), policy=policy)
    with transaction(engine) as s:
        [mail] = s.exec(select(Notification).where(Notification.template == "assigned")).all()
        assert mail.recipient_email == SECRETARY  # not lost on someone who can no longer act
        assert s.get(Person, mail.recipient_id).email == SECRETARY
    with pytest.raises(RuleError) as refused:  # nor may they declare anything any more
        away(engine, actor=MEMBER, person=MEMBER, delegate=SECRETARY, first="2026-11-16", last="2026-11-17",
             when="2026-11-09 10:00")
    assert (refused.value.key, refused.value.field) == ("inactive_person", "as")


def test_the_person_a_delegate_handed_in_for_never_decides_it(engine, policy):
    # B1: 孙红梅 owns the item and is away; 李晓东 hands in evidence for her; the item is then
    # moved to 梁雪. 孙红梅, back at work and a supervisor, must not accept what was handed in
    # on her behalf, nor return it; 李晓东 neither. Someone else may.
    code = file_and_assign(engine, now=at("2026-11-06 10:00"), policy=policy, owner=SUPERVISOR)
    away(engine, actor=SUPERVISOR, person=SUPERVISOR, delegate=SUPERVISOR2, first="2026-11-09", last="2026-11-10",
         when="2026-11-06 10:00")
    with transaction(engine) as s:
        cmd.submit(s, actor=person_by_email(s, SUPERVISOR2), finding=finding_by_code(s, code), account="代为提交",
                   files=[], now=at("2026-11-09 10:00"), policy=policy)
    with transaction(engine) as s:
        cmd.reassign(s, actor=person_by_email(s, SECRETARY), finding=finding_by_code(s, code), to=MEMBER,
                     now=at("2026-11-11 09:00"), policy=policy)
    for who in (SUPERVISOR, SUPERVISOR2):
        with transaction(engine) as s:
            with pytest.raises(RuleError) as refused:
                cmd.accept(s, actor=person_by_email(s, who), finding=finding_by_code(s, code),
                           now=at("2026-11-11 10:00"), policy=policy)
            assert refused.value.key == "own_request", who
            with pytest.raises(RuleError) as refused:
                cmd.return_item(s, actor=person_by_email(s, who), finding=finding_by_code(s, code), reason="x",
                                now=at("2026-11-11 10:00"), policy=policy)
            assert refused.value.key == "own_request", who
    with transaction(engine) as s:
        cmd.accept(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, code),
                   now=at("2026-11-11 10:30"), policy=policy)
        assert finding_by_code(s, code).state.value == "closed"
