"""`monthly-inspection`: on the first working day of each month (checked every morning at
08:30 in the bureau's time zone; a cron cannot know Chinese holidays), open the month's
round, give every branch a team of inspectors from other units, and send each inspector one
mail with their units and the checklist. Opening a month again changes nothing."""

from dataclasses import asdict
from datetime import datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from services import context as ctx
from tasks.round import open_round_task


@flow(name="monthly-inspection", persist_result=False)
async def monthly_inspection(month: str = "", now: str = "", team: int = 0) -> dict:
    """month: YYYY-MM to open now (default: this month, on its first working day only)."""
    at = datetime.fromisoformat(now) if now else ctx.now()
    result = open_round_task(at, month, team)
    if result.reason:
        get_run_logger().info("%s: not opened (%s)", result.month, result.reason)
        return asdict(result)
    lines = [f"# {result.month} 督察 inspection round", "", f"截止 closes on {result.closes_on}", "",
             "| 单位 unit | 督察员 inspectors |", "|---|---|"]
    lines += [f"| {unit} | {', '.join(people)} |" for unit, people in result.teams.items()]
    await acreate_markdown_artifact(key=f"round-{result.month}", markdown="\n".join(lines) + "\n",
                                    description=f"{result.month} 督察分组")
    get_run_logger().info("%s: round %s, mail %s", result.month, "opened" if result.opened else "exists",
                          result.mail)
    return asdict(result)
