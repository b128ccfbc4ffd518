"""`deadline-sweep`: every morning at 09:00 in the bureau's time zone. On working days it
reminds, escalates, sends each person one digest, and shows the overdue items in the UI."""

from dataclasses import asdict
from datetime import datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger

from models.deadlines.dates import typed_moment
from services import context as ctx
from tasks.ledger import load_case
from tasks.overview import publish_overview
from tasks.publish import publish_case
from tasks.sweep import publish_overdue_ledger, sweep_task


def _run_name() -> str:
    from prefect.runtime import flow_run

    zone = ZoneInfo(ctx.settings().timezone)
    try:  # as typed (a zone-less time is the bureau's); a malformed one is refused by the run itself
        moment = datetime.fromisoformat(str(flow_run.parameters.get("now") or ""))
    except ValueError:
        moment = flow_run.scheduled_start_time
    day = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(zone).date()
    return f"督办巡查 sweep {day}"


@flow(name="deadline-sweep", flow_run_name=_run_name, persist_result=False)
async def deadline_sweep(now: str = "") -> dict:
    """now: ISO moment to sweep for (operators and tests); empty = the current time."""
    moment = ctx.now()
    if now:  # typed into the Prefect UI form: read and bounded as the CLI's --now is
        moment = typed_moment(now, zone=ctx.settings().timezone, now=moment,
                              window_days=ctx.settings().due_window_days, field="now")
    log = get_run_logger()
    report = sweep_task(moment)
    if not report.workday:
        log.info("%s is not a working day: nothing to do", report.day)
        return asdict(report)
    for code in report.escalated:
        publish_case(load_case(code, moment))  # new colour on the case: artifact, tags, event
    publish_overdue_ledger(report)
    publish_overview()  # as the ledger stands now (a sweep "--now" in the future is a rehearsal)
    log.info("%s: %d reminders, %d escalations, %d digests (%d deferred), mail %s", report.day,
             report.reminders, len(report.escalated), report.digests, report.deferred, report.mail)
    return asdict(report)
