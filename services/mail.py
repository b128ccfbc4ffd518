"""The outbox, now: deliver what is due (after a command, for the people waiting on it), or
queue failed mail again. Mail is written by commands in their own transaction; this only
sends it, so an unreachable relay delays mail and never loses it."""

import asyncio
from datetime import datetime

from models.outbox import retry_mail
from models.text import row_id
from notifications.delivery import DeliveryReport, deliver
from services import context as ctx
from store.db import transaction


def deliver_due(finding_id: int | None = None, *, at: datetime | None = None) -> DeliveryReport:
    """Send what is due now (for one item, or all); `at`: a later simulated moment (a sweep
    run for tomorrow) whose mail is due then."""
    when = ctx.now()
    if at is not None and at > when:
        when = at
    return deliver(ctx.database(), settings=ctx.settings(), now=when, finding_id=finding_id)


async def send_now(finding_id: int | None = None) -> DeliveryReport:
    """Deliver off the event loop (the relay may be slow)."""
    return await asyncio.to_thread(deliver_due, finding_id)


def retry(ids: list[int], *, all_failed: bool) -> tuple[list[int], DeliveryReport]:
    """Give failed (or waiting) mail a fresh attempt budget and send it now."""
    ids = [row_id(i, field="id") for i in ids]
    with transaction(ctx.database()) as session:
        again = retry_mail(session, ids=ids, all_failed=all_failed, now=ctx.now())
    return again, deliver_due()
