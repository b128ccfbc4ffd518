"""The deadline sweep's job as a task, and its table artifact for the Prefect UI."""

from datetime import datetime

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from messages.labels import colour_label
from services.jobs import SweepReport, decide_sweep


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE)
def decide_sweep_task(at: datetime) -> SweepReport:
    """Reminders, escalations and one digest per person for the moment `at`, decided and
    queued in the ledger, a chunk at a time (services.jobs.decide_sweep): safe to run again,
    nothing decided twice. The digests are sent by the flow's next task."""
    return decide_sweep(at)


@task(cache_policy=NO_CACHE)
def publish_overdue_ledger(report: SweepReport) -> None:
    """The `overdue-ledger` table artifact: the day's overdue items, reddest and latest first."""
    rows = sorted(report.overdue_items, key=lambda o: (-o.level, -o.days_overdue, o.code))
    create_table_artifact(
        key="overdue-ledger",
        table=[{"编号 code": o.code, "单位 unit": o.unit, "责任人 owner": o.owner,
                "逾期工作日 days overdue": o.days_overdue,
                "督办 colour": f"{o.level} {colour_label(o.colour, 'zh')} {o.colour}".strip()}
               for o in rows],
        description=f"逾期整改事项 overdue items · {report.day} · {len(rows)}",
    )
