"""The monthly round's job, as a task of its flow."""

from datetime import datetime

from services.jobs import RoundOpening, open_month_round
from tasks.ledger import ledger_task


@ledger_task
def open_round_task(at: datetime, month: str = "", team: int = 0) -> RoundOpening:
    """Open the month's round and mail its checklists (services.jobs.open_month_round)."""
    return open_month_round(at, month, team)
