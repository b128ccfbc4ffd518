"""Open the month's inspection round in one transaction."""

from datetime import datetime
from typing import Any

from models.calendar import WorkCalendar, local_date
from models.db import transaction
from models.policy import Policy
from models.round import first_working_day, open_round, teams_of
from models.settings import get_settings
from tasks.ledger import ledger, ledger_task


@ledger_task
def open_month_round(at: str, month: str = "", team: int = 0) -> dict[str, Any]:
    """Open `month` (default: this month, but only on its first working day)."""
    settings = get_settings()
    when = datetime.fromisoformat(at)
    with transaction(ledger()) as session:
        today = local_date(when, settings.timezone)
        if not month:
            first = first_working_day(WorkCalendar.from_session(session), today.year, today.month)
            if today != first:
                return {"opened": False, "month": f"{today:%Y-%m}", "reason": f"first working day is {first}"}
            month = f"{today:%Y-%m}"
        rnd, new = open_round(session, month=month, now=when, policy=Policy.from_settings(settings),
                              team=team or settings.round_team_size, close_day=settings.round_close_day)
        return {"opened": new, "month": rnd.month, "closes_on": rnd.closes_on.isoformat(),
                "teams": teams_of(session, rnd)}
