"""The monthly round's job, as tasks of its flow: opening it, showing its teams."""

from datetime import datetime

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from services.jobs import RoundOpening, decide_round
from tasks.ledger import ledger_task


@ledger_task
def open_round_task(at: datetime, month: str = "", team: int = 0) -> RoundOpening:
    """Open the month's round in the ledger, its checklist mails queued (services.jobs.decide_round)."""
    return decide_round(at, month, team)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def show_round(opening: RoundOpening) -> None:
    """The round's teams as the `round-YYYY-MM` markdown artifact."""
    lines = [f"# {opening.month} 督察 inspection round", "", f"截止 closes on {opening.closes_on}", "",
             "| 单位 unit | 督察员 inspectors |", "|---|---|"]
    lines += [f"| {unit} | {', '.join(people)} |" for unit, people in opening.teams.items()]
    create_markdown_artifact(key=f"round-{opening.month}", markdown="\n".join(lines) + "\n",
                             description=f"{opening.month} 督察分组")
