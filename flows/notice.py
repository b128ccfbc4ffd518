"""`monthly-notice` (通报): after the month's round closes (checked every morning at 10:00 in
the bureau's time zone; the round's closing day may fall on a holiday), compute the month,
build the Word notice, the Excel ledger and the trend chart, and show the notice as the
`notice-YYYY-MM` artifact. A draft is rebuilt by each run; publishing freezes it and mails
leadership, supervisors and every branch secretary once. A published notice never changes."""

from datetime import datetime

from prefect import flow, get_run_logger

from services.jobs import BuiltNotice, NoticeDue, job_moment
from tasks.mail import deliver_mail
from tasks.notice import build_notice_task, notice_due_task, publish_notice_task, show_notice


@flow(name="monthly-notice", persist_result=False)
async def monthly_notice(month: str = "", now: datetime | None = None, publish: bool = False,
                         publisher: str = "") -> BuiltNotice | NoticeDue:
    """month: YYYY-MM to build now (default: this month, once its round has closed).
    publish: freeze and mail it; publisher: who publishes (recorded in the audit log)."""
    log = get_run_logger()
    at = job_moment(now)
    if not month:
        due = notice_due_task(at)
        if not due.due:
            log.info("%s: nothing to do (%s)", due.month, due.reason)
            return due
        month, publish = due.month, publish or due.publish
    notice = build_notice_task(month, at)
    built = BuiltNotice(notice)
    if publish:
        notice = publish_notice_task(notice.month, at, publisher)
        built = BuiltNotice(notice, deliver_mail(at=at))
        log.info("%s published: %s mails queued, delivery %s", notice.month, notice.mails, built.mail)
    show_notice(notice)
    log.info("%s: notice %s (build %s), files in %s", notice.month, notice.status.value, notice.builds,
             notice.files["docx"])
    return built
