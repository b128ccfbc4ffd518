"""The monthly notice's job as tasks of its flow."""

from datetime import datetime
from typing import Any

from services.jobs import NoticeDue, notice_due, notice_month
from tasks.ledger import ledger_task


@ledger_task
def notice_due_task(at: datetime) -> NoticeDue:
    """Whether today's scheduled run builds (or publishes) this month's notice."""
    return notice_due(at)


@ledger_task
def notice_task(month: str, at: datetime, publish: bool, publisher: str) -> dict[str, Any]:
    """Build the month's notice (and publish it): services.jobs.notice_month."""
    return notice_month(month, at, publish=publish, publisher=publisher)
