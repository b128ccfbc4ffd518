"""The monthly notice's job as tasks of its flow: whether it is due, building it, showing it."""

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from models.notices.notice import NoticeSummary
from services.jobs import BuiltNotice, NoticeDue, notice_due, notice_month
from services.notices import notice_markdown
from tasks.ledger import ledger_task


@ledger_task
def notice_due_task(at: datetime) -> NoticeDue:
    """Whether today's scheduled run builds (or publishes) this month's notice."""
    return notice_due(at)


@ledger_task
def notice_task(month: str, at: datetime, publish: bool, publisher: str) -> BuiltNotice:
    """Build the month's notice (and publish it): services.jobs.notice_month."""
    return notice_month(month, at, publish=publish, publisher=publisher)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def show_notice(summary: NoticeSummary) -> None:
    """The notice as the `notice-YYYY-MM` markdown artifact."""
    create_markdown_artifact(key=f"notice-{summary.month}", markdown=notice_markdown(summary),
                             description=f"{summary.title}（{summary.number}）")
