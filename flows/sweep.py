"""`deadline-sweep`: every morning at 09:00 Asia/Shanghai. On working days it reminds,
escalates, sends each person one digest, and shows the overdue items in the Prefect UI."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger

from models.dates import near_moment
from models.settings import get_settings
from tasks.ledger import load_case
from tasks.mail import deliver_mail
from tasks.publish import publish_case
from tasks.sweep import decide_sweep, publish_overdue_ledger


def _run_name() -> str:
    from prefect.runtime import flow_run

    at = flow_run.parameters.get("now") or flow_run.scheduled_start_time.isoformat()
    day = datetime.fromisoformat(str(at)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    return f"督办巡查 sweep {day}"


@flow(name="deadline-sweep", flow_run_name=_run_name, persist_result=False)
async def deadline_sweep(now: str = "") -> dict:
    """now: ISO moment to sweep for (operators and tests); empty = the current time."""
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    if now:  # typed into the Prefect UI form: bounded like the CLI's --now
        near_moment(moment, now=datetime.now(UTC), window_days=get_settings().due_window_days, field="now")
    at = moment.isoformat()
    log = get_run_logger()
    result = decide_sweep(at)
    if not result["workday"]:
        log.info("%s is not a working day: nothing to do", result["day"])
        return result
    mail = deliver_mail(None, at)
    for code in result["escalated"]:
        publish_case(load_case(code, at))  # new colour on the case: artifact, tags, event
    publish_overdue_ledger(result)
    log.info("%s: %d reminders, %d escalations, %d digests (%d deferred), mail %s", result["day"],
             result["reminders"], len(result["escalated"]), result["digests"], result["deferred"], mail)
    return result
