"""Dates people enter are bounded, and a count to a far date is as cheap as to tomorrow;
separation of duties holds whatever happened in between."""

import time
from datetime import date

import pytest

from messages import RuleError
from models.deadlines.calendar import WorkCalendar
from models.items import commands as cmd
from models.items.extension import decide_extension, request_extension
from models.ledger.views import ledger_views
from models.people.directory import finding_by_code, person_by_email
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, SECRETARY, SUPERVISOR, file_and_assign
from tests.security.ledger_state import fingerprint

NOW = at("2026-11-26 09:30")
OTHER_SUPERVISOR = "li.xiaodong@example.org"


def submitted(engine, policy, owner: str | None = None) -> str:
    code = file_and_assign(engine, now=NOW, policy=policy, owner=owner)
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        cmd.submit(s, actor=f_owner(s, f), finding=f, account="已整改", files=[], now=NOW, policy=policy)
    return code


def f_owner(s, f):
    from models.people.org import Person

    return s.get(Person, f.owner_id)


@pytest.mark.parametrize("due", [date(9999, 12, 31), date(2030, 1, 1), date(2028, 11, 27), date(2026, 11, 26),
                                 date(2000, 1, 1)])
def test_a_return_date_outside_the_window_is_refused(engine, policy, due):
    code = submitted(engine, policy)
    before = fingerprint(engine)
    with pytest.raises(RuleError) as refused, transaction(engine) as s:
        cmd.return_item(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, code), reason="缺材料",
                        new_due=due, now=NOW, policy=policy)
    assert refused.value.field == "due" and refused.value.key in ("date_too_far", "date_in_past")
    assert fingerprint(engine) == before


def test_a_return_date_inside_the_window_is_taken(engine, policy):
    code = submitted(engine, policy)
    with transaction(engine) as s:
        cmd.return_item(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, code), reason="缺材料",
                        new_due=date(2028, 11, 26), now=NOW, policy=policy)
        assert finding_by_code(s, code).due_on == date(2028, 11, 26)


@pytest.mark.parametrize("to", [date(9999, 12, 31), date(2029, 1, 1)])
def test_an_extension_beyond_the_window_is_refused(engine, policy, to):
    code = file_and_assign(engine, now=NOW, policy=policy)
    before = fingerprint(engine)
    with pytest.raises(RuleError) as refused, transaction(engine) as s:
        f = finding_by_code(s, code)
        request_extension(s, actor=f_owner(s, f), finding=f, to=to, reason="需要时间", now=NOW, policy=policy)
    assert refused.value.field == "to" and refused.value.key == "date_too_far"
    assert fingerprint(engine) == before


def test_counting_to_9999_costs_what_counting_to_tomorrow_costs():
    cal = WorkCalendar()
    t0 = time.perf_counter()
    for _ in range(200):
        near = cal.working_days_between(date(2026, 11, 27), date(2026, 11, 30))
    t1 = time.perf_counter()
    for _ in range(200):
        far = cal.working_days_between(date(2026, 11, 27), date(9999, 12, 31))
    t2 = time.perf_counter()
    assert near == 1 and far > 2_000_000
    assert (t2 - t1) < 10 * (t1 - t0) + 0.01  # constant time: no walk to the far date


def test_calendar_overrides_count_in_constant_time_and_correctly():
    cal = WorkCalendar({date(2027, 1, 2): True, date(2027, 1, 4): False, date(2026, 10, 10): False})
    assert cal.working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 5  # Oct 10 made a holiday
    # 2027 is not published yet: Fri Jan 1 counts as a weekday; Sat Jan 2 in, Mon Jan 4 out, Tue Jan 5
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 5)) == 3


def test_a_ledger_holding_an_item_due_in_9999_reads_as_fast(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:  # as an older version could have let in
        f = finding_by_code(s, code)
        f.due_on = date(9999, 12, 31)
        s.add(f)
    with transaction(engine) as s:
        t = time.perf_counter()
        views = ledger_views(s, now=NOW, policy=policy)
        assert time.perf_counter() - t < 2
    assert views[0].working_days_left > 2_000_000


def test_the_submitter_never_accepts_after_reassigning_the_item(engine, policy):
    """The bypass: a supervisor owns an item, submits, reassigns it away, then accepts."""
    code = submitted(engine, policy, owner=SUPERVISOR)
    with transaction(engine) as s:
        cmd.reassign(s, actor=person_by_email(s, SUPERVISOR), finding=finding_by_code(s, code),
                     to=SECRETARY, now=NOW, policy=policy)
    before = fingerprint(engine)
    for command in (cmd.accept, cmd.return_item):
        with pytest.raises(RuleError) as refused, transaction(engine) as s:
            kw = {"reason": "再补充"} if command is cmd.return_item else {}
            command(s, actor=person_by_email(s, SUPERVISOR), finding=finding_by_code(s, code), now=NOW,
                    policy=policy, **kw)
        assert refused.value.key == "own_request" and refused.value.field == "as"
    assert fingerprint(engine) == before
    with transaction(engine) as s:  # someone else still can
        cmd.accept(s, actor=person_by_email(s, INSPECTOR), finding=finding_by_code(s, code), now=NOW, policy=policy)


def test_whoever_asked_for_an_extension_never_decides_it(engine, policy):
    code = file_and_assign(engine, now=NOW, policy=policy, owner=SUPERVISOR)
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        request_extension(s, actor=person_by_email(s, SUPERVISOR), finding=f, to=date(2027, 3, 1), reason="需要",
                          now=NOW, policy=policy)
        cmd.reassign(s, actor=person_by_email(s, SUPERVISOR), finding=f, to=SECRETARY, now=NOW, policy=policy)
    before = fingerprint(engine)
    for approve in (True, False):
        with pytest.raises(RuleError) as refused, transaction(engine) as s:
            decide_extension(s, actor=person_by_email(s, SUPERVISOR), finding=finding_by_code(s, code),
                             approve=approve, reason="不同意", now=NOW, policy=policy)
        assert refused.value.key == "own_request"
    assert fingerprint(engine) == before
    with transaction(engine) as s:
        decide_extension(s, actor=person_by_email(s, OTHER_SUPERVISOR), finding=finding_by_code(s, code),
                         approve=True, now=NOW, policy=policy)


def test_reports_read_while_a_command_holds_the_write_lock(sqlite_engine, policy):
    """On SQLite a command takes the write lock for its whole transaction; the ledger view,
    `show` and every portal page read beside it instead of queueing behind it."""
    import threading

    from models.ledger.views import item_view
    from store.db import reading

    code = file_and_assign(sqlite_engine, now=NOW, policy=policy)
    took: dict[str, float] = {}

    def read() -> None:
        t = time.perf_counter()
        with reading(sqlite_engine) as s:
            ledger_views(s, now=NOW, policy=policy)
            item_view(s, finding_by_code(s, code), now=NOW, policy=policy)
        took["read"] = time.perf_counter() - t

    with transaction(sqlite_engine) as s:  # a long command, holding BEGIN IMMEDIATE
        finding_by_code(s, code).title = "改了"
        s.flush()
        reader = threading.Thread(target=read)
        reader.start()
        reader.join(10)
        assert not reader.is_alive() and took["read"] < 2  # done while the lock is still held
