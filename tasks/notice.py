"""The monthly notice's job as tasks of its flow: whether it is due, building it, showing it."""

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from models.notices.notice import NoticeSummary
from services.jobs import NoticeDue, notice_due
from services.notices import build_notice, notice_markdown, publish_notice
from tasks.ledger import ledger_task


@ledger_task
def notice_due_task(at: datetime) -> NoticeDue:
    """Whether today's scheduled run builds (or publishes) this month's notice."""
    return notice_due(at)


@ledger_task
def build_notice_task(month: str, at: datetime) -> NoticeSummary:
    """The month's notice built as of `at`: its files in the shared folder, its draft in the
    ledger (replacing the earlier draft)."""
    return build_notice(month, at)


@ledger_task
def publish_notice_task(month: str, at: datetime, publisher: str) -> NoticeSummary:
    """The draft frozen as reviewed, one mail per recipient queued (sent by the next task)."""
    return publish_notice(month, at, publisher or "system")


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def show_notice(summary: NoticeSummary) -> None:
    """The notice as the `notice-YYYY-MM` markdown artifact."""
    create_markdown_artifact(key=f"notice-{summary.month}", markdown=notice_markdown(summary),
                             description=f"{summary.title}（{summary.number}）")
