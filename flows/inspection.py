"""`monthly-inspection`: on the first working day of each month (checked every morning at
08:30 in the bureau's time zone; a cron cannot know Chinese holidays), open the month's
round, give every branch a team of inspectors from other units, and send each inspector one
mail with their units and the checklist. Opening a month again changes nothing."""

from dataclasses import replace
from datetime import datetime

from prefect import flow, get_run_logger

from services.jobs import RoundOpening, job_moment
from tasks.mail import deliver_mail
from tasks.round import open_round_task, show_round


@flow(name="monthly-inspection", persist_result=False)
async def monthly_inspection(month: str = "", now: datetime | None = None, team: int = 0) -> RoundOpening:
    """month: YYYY-MM to open now (default: this month, on its first working day only);
    now: the moment to act for (default: the current time); team: inspectors per branch."""
    log = get_run_logger()
    at = job_moment(now)
    opening = open_round_task(at, month, team)
    if opening.reason:
        log.info("%s: not opened (%s)", opening.month, opening.reason)
        return opening
    opening = replace(opening, mail=deliver_mail(at=at))  # each inspector's checklist
    show_round(opening)
    log.info("%s: round %s, mail %s", opening.month, "opened" if opening.opened else "exists", opening.mail)
    return opening
