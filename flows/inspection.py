"""`monthly-inspection`: on the first working day of each month (checked every morning at
08:30 Asia/Shanghai; a cron cannot know Chinese holidays), open the month's round, give
every branch a team of inspectors from other units, and send each inspector one mail with
their units and the checklist. Opening a month again changes nothing."""

from datetime import UTC, datetime

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from tasks.mail import deliver_mail
from tasks.round import open_month_round


@flow(name="monthly-inspection", persist_result=False)
async def monthly_inspection(month: str = "", now: str = "", team: int = 0) -> dict:
    """month: YYYY-MM to open now (default: this month, on its first working day only)."""
    at = (datetime.fromisoformat(now) if now else datetime.now(UTC)).isoformat()
    result = open_month_round(at, month, team)
    if "teams" not in result:
        get_run_logger().info("%s: not opened (%s)", result["month"], result["reason"])
        return result
    mail = deliver_mail(None, at)
    lines = [f"# {result['month']} 督察 inspection round", "", f"截止 closes on {result['closes_on']}", "",
             "| 单位 unit | 督察员 inspectors |", "|---|---|"]
    lines += [f"| {unit} | {', '.join(people)} |" for unit, people in result["teams"].items()]
    await acreate_markdown_artifact(key=f"round-{result['month']}", markdown="\n".join(lines) + "\n",
                                    description=f"{result['month']} 督察分组")
    get_run_logger().info("%s: round %s, mail %s", result["month"], "opened" if result["opened"] else "exists", mail)
    return result


def run_round(month: str, at: str, team: int = 0) -> dict:
    """Open a round from the CLI (a flow run when Prefect answers)."""
    from flows.control import run_here

    def directly() -> dict:
        result = open_month_round.fn(at, month, team)
        deliver_mail.fn(None, at)
        return result

    return run_here(lambda: monthly_inspection(month=month, now=at, team=team), directly)
