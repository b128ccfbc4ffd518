"""`monthly-notice` (通报): after the month's round closes (checked every morning at 10:00 in
the bureau's time zone; the round's closing day may fall on a holiday), compute the month,
build the Word notice, the Excel ledger and the trend chart, and show the notice as the
`notice-YYYY-MM` artifact. A draft is rebuilt by each run; publishing freezes it and mails
leadership, supervisors and every branch secretary once. A published notice never changes."""

from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.runtime import flow_run

from services import context as ctx
from services.notices import notice_markdown
from tasks.notice import notice_due_task, notice_task


@flow(name="monthly-notice", persist_result=False)
async def monthly_notice(month: str = "", now: str = "", publish: bool = False, publisher: str = "") -> dict:
    """month: YYYY-MM to build now (default: this month, once its round has closed).
    publish: freeze and mail it; publisher: who publishes (recorded in the audit log)."""
    log = get_run_logger()
    at = datetime.fromisoformat(now) if now else ctx.now()
    if not month:
        due = notice_due_task(at)
        if not due.due:
            log.info("%s: nothing to do (%s)", due.month, due.reason)
            return {"due": False, "month": due.month, "reason": due.reason}
        month, publish = due.month, publish or due.publish
    summary = notice_task(month, at, publish, publisher)
    if publish:
        log.info("%s published: %s mails queued, delivery %s", summary["month"], summary["mails"], summary["mail"])
    await acreate_markdown_artifact(key=f"notice-{summary['month']}", markdown=notice_markdown(summary),
                                    description=f"{summary['title']}（{summary['number']}）")
    log.info("%s: notice %s (build %s), files in %s", summary["month"], summary["status"], summary["builds"],
             summary["files"]["docx"])
    return {**summary, "flow_run_id": str(flow_run.id)}
