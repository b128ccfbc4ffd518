"""The lifecycle table: every allowed and refused move, roles, separation of duties."""

from datetime import date

import pytest
from sqlmodel import func, select

from messages import RuleError
from models.audit.chain import Event, verify_chain
from models.items import commands as cmd
from models.items.evidence import Review
from models.items.finding import Finding, State
from models.items.lifecycle import TRANSITIONS, Command
from models.outbox import MailStatus, Notification
from models.people.directory import finding_by_code, person_by_email
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import (
    INSPECTOR,
    INSPECTOR2,
    MEMBER,
    OTHER_SECRETARY,
    SECRETARY,
    SUPERVISOR,
    file_and_assign,
    load,
)

NOW = at("2026-11-26 09:30")


def run(engine, policy, command: str, code: str, actor: str, **kw):
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        who = person_by_email(s, actor)
        fn = {"submit": cmd.submit, "return": cmd.return_item, "accept": cmd.accept,
              "withdraw": cmd.withdraw, "reassign": cmd.reassign, "assign": cmd.assign}[command]
        if command == "submit":
            kw.setdefault("account", "已整改")
            kw.setdefault("files", [])
        return fn(s, actor=who, finding=f, now=kw.pop("now", NOW), policy=policy, **kw)


def count(engine, model) -> int:
    with transaction(engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_table_is_the_design(engine):
    t = TRANSITIONS
    assert t[Command.submit].sources == {State.assigned} and t[Command.submit].target is State.submitted
    assert t[Command.return_].needs_reason and t[Command.return_].verifier
    assert t[Command.accept].verifier and t[Command.accept].target is State.closed
    assert t[Command.withdraw].sources == {State.filed, State.assigned}
    assert t[Command.reassign].target is None and t[Command.reassign].sources == {State.assigned, State.submitted}


def test_happy_path_with_return(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy)
    f = load(engine, code)
    assert code == "ZG-2026-11-0001"
    assert f.state is State.assigned and f.due_on == date(2026, 12, 3)  # 5 working days
    run(engine, policy, "submit", code, SECRETARY)
    assert load(engine, code).state is State.submitted
    run(engine, policy, "return", code, INSPECTOR, reason="照片不清晰", new_due=date(2026, 12, 10))
    f = load(engine, code)
    assert f.state is State.assigned and f.due_on == date(2026, 12, 10)
    assert f.original_due_on == date(2026, 12, 3)
    run(engine, policy, "submit", code, SECRETARY, account="补充了清晰照片")
    run(engine, policy, "accept", code, INSPECTOR2)
    f = load(engine, code)
    assert f.state is State.closed and f.closed_at == NOW
    with transaction(engine) as s:
        kinds = [e.kind for e in s.exec(select(Event).order_by(Event.seq))]
        assert kinds == ["file", "assign", "submit", "return", "submit", "accept"]
        assert verify_chain(s) == (6, None)
        templates = [n.template for n in s.exec(select(Notification).order_by(Notification.id))]
        assert templates == ["assigned", "submitted", "returned", "submitted", "closed"]
        assert [r.decision.value for r in s.exec(select(Review).order_by(Review.id))] == ["return", "accept"]


@pytest.mark.parametrize(("command", "actor", "kw", "key"), [
    ("submit", MEMBER, {}, "forbidden"),  # not the owner
    ("submit", INSPECTOR, {}, "forbidden"),
    ("accept", INSPECTOR, {}, "bad_state"),  # not submitted yet
    ("return", INSPECTOR, {"reason": "x"}, "bad_state"),
    ("withdraw", SECRETARY, {"reason": "x"}, "forbidden"),  # owners cannot withdraw
    ("withdraw", INSPECTOR, {"reason": "  "}, "required"),
    ("reassign", MEMBER, {"to": MEMBER}, "forbidden"),  # members cannot reassign
    ("reassign", OTHER_SECRETARY, {"to": MEMBER}, "forbidden"),  # other unit's secretary
    ("reassign", SECRETARY, {"to": SECRETARY}, "same_owner"),
    ("reassign", SECRETARY, {"to": "nobody@example.org"}, "unknown_person"),
    ("assign", SUPERVISOR, {}, "bad_state"),  # already assigned
])
def test_refusals_on_an_assigned_item_change_nothing(engine, policy, command, actor, kw, key):
    code = file_and_assign(engine, now=NOW, policy=policy)
    before = load(engine, code)
    events = count(engine, Event)
    with pytest.raises(RuleError) as err:
        run(engine, policy, command, code, actor, **kw)
    assert err.value.key == key
    after = load(engine, code)
    assert (after.state, after.version, after.owner_id) == (before.state, before.version, before.owner_id)
    assert count(engine, Event) == events


def test_verifier_must_not_be_the_owner(engine, policy):
    # An inspector who also owns the item cannot accept their own evidence.
    code = file_and_assign(engine, now=NOW, policy=policy, owner=INSPECTOR2)
    run(engine, policy, "submit", code, INSPECTOR2)
    with pytest.raises(RuleError) as err:
        run(engine, policy, "accept", code, INSPECTOR2)
    assert err.value.key == "same_person"
    with pytest.raises(RuleError) as err:
        run(engine, policy, "return", code, INSPECTOR2, reason="自己退回")
    assert err.value.key == "same_person"
    run(engine, policy, "accept", code, INSPECTOR)  # someone else may
    assert load(engine, code).state is State.closed


def test_return_needs_a_reason_and_a_future_date(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy)
    run(engine, policy, "submit", code, SECRETARY)
    with pytest.raises(RuleError) as err:
        run(engine, policy, "return", code, INSPECTOR, reason="")
    assert (err.value.key, err.value.field) == ("required", "reason")
    with pytest.raises(RuleError) as err:
        run(engine, policy, "return", code, INSPECTOR, reason="不完整", new_due=date(2026, 11, 1))
    assert (err.value.key, err.value.field) == ("date_in_past", "due")
    assert load(engine, code).state is State.submitted


def test_closed_and_withdrawn_are_final(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy)
    run(engine, policy, "withdraw", code, INSPECTOR, reason="误报")
    assert load(engine, code).state is State.withdrawn
    for command, kw in [("submit", {}), ("withdraw", {"reason": "x"}), ("reassign", {"to": MEMBER})]:
        with pytest.raises(RuleError) as err:
            run(engine, policy, command, code, SUPERVISOR if command != "submit" else SECRETARY, **kw)
        assert err.value.key in ("bad_state", "forbidden")
    with transaction(engine) as s:
        withdrawn = s.exec(select(Notification).where(Notification.template == "withdrawn")).one()
        assert withdrawn.recipient_email == SECRETARY


def test_withdraw_from_filed_sends_no_mail(engine, policy):
    with transaction(engine) as s:
        f = cmd.file(s, actor=person_by_email(s, INSPECTOR), unit="zb-zhengce",
                             manifestation="san-1", title="迟到", now=NOW, policy=policy)
        cmd.withdraw(s, actor=person_by_email(s, INSPECTOR), finding=f, reason="重复立项",
                     now=NOW, policy=policy)
    assert count(engine, Notification) == 0


def test_reassign_keeps_due_date_and_cancels_stale_mail(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy)
    due = load(engine, code).due_on
    run(engine, policy, "reassign", code, SECRETARY, to=MEMBER)
    f = load(engine, code)
    with transaction(engine) as s:
        assert f.owner_id == person_by_email(s, MEMBER).id and f.due_on == due and f.state is State.assigned
        rows = s.exec(select(Notification).order_by(Notification.id)).all()
        assert [(r.recipient_email, r.status) for r in rows] == [
            (SECRETARY, MailStatus.cancelled), (MEMBER, MailStatus.pending)]
    # The previous owner may no longer submit; the new one may.
    with pytest.raises(RuleError):
        run(engine, policy, "submit", code, SECRETARY)
    run(engine, policy, "submit", code, MEMBER)


def test_filing_refusals_name_the_field(engine, policy):
    cases = [
        ({"unit": "nope"}, "unit", "unknown_unit"),
        ({"manifestation": "lan-99"}, "manifestation", "unknown_manifestation"),
        ({"title": "  "}, "title", "required"),
        ({"title": "长" * 201}, "title", "too_long"),
        ({"deadline_class": "soon"}, "class", "unknown_class"),
        ({"owner": "ghost@example.org"}, "owner", "unknown_person"),
        ({"unit": "ducha"}, "owner", "no_owner"),  # the office has no secretary to own it
    ]
    for override, field, key in cases:
        args = {"unit": "zb-xinxi", "manifestation": "lan-1", "title": "标题", **override}
        with pytest.raises(RuleError) as err, transaction(engine) as s:
            cmd.file(s, actor=person_by_email(s, INSPECTOR), now=NOW, policy=policy, **args)
        assert (err.value.field, err.value.key) == (field, key), override
        assert field in err.value.render("zh")
    assert count(engine, Finding) == 0 and count(engine, Event) == 0


def test_only_inspectors_supervisors_and_admins_file(engine, policy):
    with pytest.raises(RuleError) as err, transaction(engine) as s:
        cmd.file(s, actor=person_by_email(s, MEMBER), unit="zb-xinxi", manifestation="lan-1",
                         title="t", now=NOW, policy=policy)
    assert err.value.key == "forbidden"
    with transaction(engine) as s:
        f = cmd.file(s, actor=person_by_email(s, SUPERVISOR), unit="zb-xinxi",
                             manifestation="lan-1", title="t", now=NOW, policy=policy)
        assert f.state is State.filed


def test_codes_are_gap_free_per_month_even_after_a_rollback(engine, policy):
    file_and_assign(engine, now=NOW, policy=policy)
    with pytest.raises(RuntimeError), transaction(engine) as s:
        cmd.file(s, actor=person_by_email(s, INSPECTOR), unit="zb-xinxi", manifestation="lan-1",
                         title="t", now=NOW, policy=policy)
        raise RuntimeError("crash after filing, before commit")
    assert file_and_assign(engine, now=NOW, policy=policy) == "ZG-2026-11-0002"
    # A new month starts again at 0001 (Shanghai time decides the month).
    assert file_and_assign(engine, now=at("2026-12-01 00:05"), policy=policy) == "ZG-2026-12-0001"
    assert count(engine, Finding) == 3


def test_inactive_people_cannot_act(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:
        person_by_email(s, SECRETARY).active = False
    with pytest.raises(RuleError) as err:
        run(engine, policy, "submit", code, SECRETARY)
    assert err.value.key == "inactive_person"


def test_concurrent_filers_get_distinct_consecutive_codes(engine, policy):
    from concurrent.futures import ThreadPoolExecutor

    def one(_: int) -> str:
        return file_and_assign(engine, now=NOW, policy=policy)

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(one, range(24)))
    assert sorted(codes) == [f"ZG-2026-11-{n:04d}" for n in range(1, 25)]
    with transaction(engine) as s:
        assert verify_chain(s) == (48, None)


def test_recurrence_links_to_the_earlier_finding_within_six_months(engine, policy):
    first = file_and_assign(engine, now=at("2026-05-27 10:00"), policy=policy)
    same = file_and_assign(engine, now=at("2026-11-26 10:00"), policy=policy)  # within 6 months
    other_unit = file_and_assign(engine, now=at("2026-11-26 10:00"), policy=policy, unit="zb-zhengce")
    with transaction(engine) as s:
        assert finding_by_code(s, same).recurrence_of_id == finding_by_code(s, first).id
        assert finding_by_code(s, other_unit).recurrence_of_id is None
    late = file_and_assign(engine, now=at("2027-06-01 10:00"), policy=policy, unit="zb-zhengce")  # > 6 months
    with transaction(engine) as s:
        assert finding_by_code(s, late).recurrence_of_id is None
        ev = s.exec(select(Event).where(Event.kind == "file").order_by(Event.seq)).all()[1]
        assert ev.data["recurrence_of"] == first


def test_the_readme_embeds_the_lifecycle_drawn_from_the_table():
    from pathlib import Path

    from models.items.lifecycle import diagram

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    assert f"```\n{diagram()}```" in readme
    assert "──accept──▶" in diagram() and "not by the owner" in diagram()


def test_the_guards_are_the_tables_and_what_a_page_offers_asks_them(engine, policy):
    """A guard declared on a transition refuses the command with its own reason, and `allowed`
    (what the item page offers) leaves the command out while the guard does not hold."""
    from datetime import timedelta

    from models.items.extension import request_extension
    from models.items.guards import NO_EXTENSION_PENDING, NOT_ACKNOWLEDGED
    from models.items.lifecycle import allowed, check

    assert NOT_ACKNOWLEDGED in TRANSITIONS[Command.acknowledge].guards
    assert NO_EXTENSION_PENDING in TRANSITIONS[Command.request_extension].guards
    code = file_and_assign(engine, now=NOW, policy=policy)
    asked = (Command.acknowledge, Command.request_extension, Command.approve_extension)
    with transaction(engine) as s:
        f, owner = finding_by_code(s, code), person_by_email(s, SECRETARY)
        supervisor = person_by_email(s, SUPERVISOR)
        assert allowed(s, owner, f, asked) == {Command.acknowledge, Command.request_extension}
        assert allowed(s, supervisor, f, asked) == set()  # no extension pending to decide
        cmd.acknowledge(s, actor=owner, finding=f, now=NOW, policy=policy)
        assert f.due_on is not None
        request_extension(s, actor=owner, finding=f, to=f.due_on + timedelta(days=7), reason="排期", now=NOW,
                          policy=policy)
    with transaction(engine) as s:
        f, owner = finding_by_code(s, code), person_by_email(s, SECRETARY)
        supervisor = person_by_email(s, SUPERVISOR)
        assert allowed(s, owner, f, asked) == set()  # signed for; an extension already asked
        assert allowed(s, supervisor, f, asked) == {Command.approve_extension}
        with pytest.raises(RuleError) as twice:
            check(s, Command.acknowledge, actor=owner, finding=f, now=NOW)
        assert twice.value.key == "already_acknowledged" and twice.value.field == "code"
        with pytest.raises(RuleError) as again:
            check(s, Command.request_extension, actor=owner, finding=f, reason="再延", now=NOW)
        assert again.value.key == "extension_pending"
