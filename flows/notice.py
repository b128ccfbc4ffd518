"""`monthly-notice` (通报): after the month's round closes (checked every morning at 10:00
Asia/Shanghai; the round's closing day may fall on a holiday), compute the month, build the
Word notice, the Excel ledger and the trend chart, and show the notice as the
`notice-YYYY-MM` artifact. A draft is rebuilt by each run; publishing freezes it and mails
leadership, supervisors and every branch secretary once. A published notice never changes."""

from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.runtime import flow_run

from tasks.mail import deliver_mail
from tasks.notice import build_notice, notice_due, notice_markdown, publish_notice


@flow(name="monthly-notice", persist_result=False)
async def monthly_notice(month: str = "", now: str = "", publish: bool = False, publisher: str = "") -> dict:
    """month: YYYY-MM to build now (default: this month, once its round has closed).
    publish: freeze and mail it; publisher: who publishes (recorded in the audit log)."""
    log = get_run_logger()
    at = (datetime.fromisoformat(now) if now else datetime.now(UTC)).isoformat()
    if not month:
        due = notice_due(at)
        if not due["due"]:
            log.info("%s: nothing to do (%s)", due["month"], due["reason"])
            return due
        month, publish = due["month"], publish or due["publish"]
    summary = build_notice(month, at)
    if publish:
        summary = publish_notice(summary["month"], at, publisher or "system")
        mail = deliver_mail(None, at)
        log.info("%s published: %s mails queued, delivery %s", summary["month"], summary["mails"], mail)
    await acreate_markdown_artifact(key=f"notice-{summary['month']}", markdown=notice_markdown(summary),
                                    description=f"{summary['title']}（{summary['number']}）")
    log.info("%s: notice %s (build %s), files in %s", summary["month"], summary["status"], summary["builds"],
             summary["files"]["docx"])
    return {**summary, "flow_run_id": str(flow_run.id)}


def run_notice(month: str, at: str, *, publish: bool, publisher: str) -> dict:
    """Build (and publish) from the CLI: a flow run when Prefect answers."""
    from flows.control import run_here

    def directly() -> dict:
        summary = build_notice.fn(month, at)
        if publish:
            summary = publish_notice.fn(summary["month"], at, publisher or "system")
            deliver_mail.fn(None, at)
        return summary

    return run_here(lambda: monthly_notice(month=month, now=at, publish=publish, publisher=publisher), directly)
