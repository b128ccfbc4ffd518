"""The sweep's one transaction, and its table artifact for the Prefect UI."""

from dataclasses import asdict
from datetime import datetime
from typing import Any

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.db import one_at_a_time, transaction
from models.escalation import load_deadline_policy
from models.policy import Policy
from models.settings import get_settings
from models.sweep import sweep
from tasks.ledger import ledger

SWEEP_LOCK = 727_000_002
COLOUR_ZH = {"blue": "蓝", "yellow": "黄", "red": "红", "": ""}


@task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE)
def decide_sweep(at: str) -> dict[str, Any]:
    """Reminders, escalations and digests for the moment `at`, all in one transaction."""
    settings = get_settings()
    with transaction(ledger()) as session:
        one_at_a_time(session, SWEEP_LOCK)  # a second sweep for the day waits, then finds it done
        result = sweep(session, now=datetime.fromisoformat(at), policy=Policy.from_settings(settings),
                       deadlines=load_deadline_policy(settings.escalation_file))
    return {**result.summary(), "escalated": sorted({code for code, _ in result.escalations}),
            "overdue_items": [asdict(o) for o in result.overdue]}


@task(cache_policy=NO_CACHE)
def publish_overdue_ledger(result: dict[str, Any]) -> None:
    rows = sorted(result["overdue_items"], key=lambda o: (-o["level"], -o["days_overdue"], o["code"]))
    create_table_artifact(
        key="overdue-ledger",
        table=[{"编号 code": o["code"], "单位 unit": o["unit"], "责任人 owner": o["owner"],
                "逾期工作日 days overdue": o["days_overdue"],
                "督办 colour": f"{o['level']} {COLOUR_ZH[o['colour']]} {o['colour']}".strip()} for o in rows],
        description=f"逾期整改事项 overdue items · {result['day']} · {len(rows)}",
    )
