"""`deadline-sweep`: every morning at 09:00 in the bureau's time zone. On working days it
reminds, escalates, sends each person one digest, and shows the overdue items in the UI."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger

from flows.case import show_case
from services import context as ctx
from services.jobs import SweepReport, job_moment
from tasks.ledger import load_case
from tasks.mail import deliver_mail
from tasks.overview import publish_overview
from tasks.sweep import decide_sweep_task, publish_overdue_ledger


def _run_name() -> str:
    from prefect.runtime import flow_run

    zone = ZoneInfo(ctx.settings().timezone)
    # The parameters as the flow received them (read by Prefect into a datetime); a zone-less
    # moment is the bureau's wall clock.
    moment: datetime = flow_run.parameters.get("now") or flow_run.scheduled_start_time
    day = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone).date()
    return f"督办巡查 sweep {day}"


@flow(name="deadline-sweep", flow_run_name=_run_name, persist_result=False)
async def deadline_sweep(now: datetime | None = None) -> SweepReport:
    """now: the moment to sweep for (operators and tests; without a zone, the bureau's wall
    clock; within the due window of today); empty: the current time."""
    moment = job_moment(now)
    log = get_run_logger()
    report = decide_sweep_task(moment)
    if not report.workday:
        log.info("%s is not a working day: nothing to do", report.day)
        return report
    report = replace(report, mail=deliver_mail(at=moment))  # the digests (mail decided for `moment`)
    for code in report.escalated:
        show_case(load_case(code, moment))  # a new colour on the case: its tags, artifact, event
    publish_overdue_ledger(report)
    publish_overview()  # as the ledger stands now (a sweep "--now" in the future is a rehearsal)
    log.info("%s: %d reminders, %d escalations, %d digests (%d deferred), mail %s", report.day,
             report.reminders, len(report.escalated), report.digests, report.deferred, report.mail)
    return report
