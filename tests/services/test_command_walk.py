"""One command, walked: an owner's `submit` from the CLI to the case run resumed and the
verifier's mail sent. It reads the item once, in the transaction that applies the command,
and passes what it knows on; the database work it does is counted here, so a step that
reads the item again shows up as a failure, not as a slower portal."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

from tests.mail import wait_for_mail
from tests.stack import Stack

INSPECTOR, OWNER = "zhou.jing@example.org", "gao.peng@example.org"
ITEM_BY_CODE = re.compile(r"FROM finding\s+WHERE finding\.code = ", re.I)


@dataclass
class Walk:
    transactions: int = 0  # database transactions begun (a session each here)
    item_reads: int = 0  # the item looked up by its code
    statements: list[str] = field(default_factory=list)


@contextmanager
def walked() -> Iterator[Walk]:
    walk = Walk()

    def began(conn: Any) -> None:
        walk.transactions += 1

    def executing(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        walk.statements.append(statement)
        if ITEM_BY_CODE.search(statement):
            walk.item_reads += 1

    event.listen(Engine, "begin", began)
    event.listen(Engine, "before_cursor_execute", executing)
    try:
        yield walk
    finally:
        event.remove(Engine, "begin", began)
        event.remove(Engine, "before_cursor_execute", executing)


def test_submit_reads_the_item_once_and_opens_few_sessions(stack: Stack):
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    wait_for_mail(stack.sink, 1)
    with walked() as walk:
        out = stack.cli("submit", code, "--note", "已整改", "--as", OWNER)
    assert code in out
    print(f"submit: {walk.transactions} transactions, {walk.item_reads} reads of the item by code, "
          f"{len(walk.statements)} statements")
    # Applying the command reads the item once; waking its run and sending the mail it queued
    # use what that transaction knew. Before: 3 reads of the item, 6 transactions.
    assert walk.item_reads == 1, walk.statements
    assert walk.transactions <= 3, walk.transactions  # apply; claim the mail; mark it sent


LINK_CHECK = re.compile(r"FROM spent_token", re.I)


def test_a_link_form_checks_the_link_before_the_body_and_acts_in_one_more_transaction(stack: Stack):
    """The portal's POST routes take their visitor from the same dependencies as its pages:
    the link checked (valid, unspent) in a read of its own before the body is read, the form's
    CSRF token checked without the ledger, then the command's transaction."""
    from tests.app.web import assigned_item, csrf, portal

    code, link = assigned_item(stack)
    client = portal()
    page = client.get(link)
    with walked() as walk:
        done = client.post(f"{link}/submit", data={"csrf": csrf(page.text), "note": "已整改"})
    assert done.status_code == 303
    spent_checks = [s for s in walk.statements if LINK_CHECK.search(s) and s.lstrip().upper().startswith("SELECT")]
    print(f"link submit: {walk.transactions} transactions, {len(spent_checks)} reads of the link's use")
    # Before: three reads of the link (before the body, with the CSRF token, in the command),
    # each in a session of its own, 8 transactions in all; now the CSRF token needs no read.
    assert len(spent_checks) == 2, spent_checks  # before the body; spent in the command's transaction
    assert walk.transactions <= 4, walk.transactions  # the check; the command; claim and send the mail


def test_the_sweeps_moment_is_read_once_where_it_enters(stack: Stack, monkeypatch):
    """`rectiflow sweep --now`: the CLI reads the typed moment (parse, zone, bounds) and hands
    the flow a datetime; the flow's entry localises and bounds it again (a form's value enters
    there too) without parsing; its run name reads the datetime Prefect validated."""
    from datetime import datetime as real_datetime
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    import flows.sweep
    import models.deadlines.dates as dates
    from services import context as ctx

    parsed: list[str] = []

    class Counting(real_datetime):
        @classmethod
        def fromisoformat(cls, text: str) -> real_datetime:  # type: ignore[override]
            parsed.append(text)
            return real_datetime.fromisoformat(text)

    for module in (dates, flows.sweep):
        monkeypatch.setattr(module, "datetime", Counting)
    day = (ctx.now() + timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    typed = f"{day}T09:00"  # tomorrow morning, the bureau's wall clock: no zone typed
    with walked() as walk:
        out = stack.cli("sweep", "--now", typed)
    assert str(day) in out
    print(f"sweep --now: {len(parsed)} parses of the moment, {walk.transactions} transactions")
    assert parsed == [typed]  # before: the CLI's, the flow's, and the run name's
