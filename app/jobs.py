"""Running a scheduled job now, from the CLI: as a flow run when Prefect answers (so the UI
shows it, with its artifacts), else the same body (services/jobs.py) straight against the
ledger and the mail relay. Either way the result is the flow's (a dict)."""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any

from services import jobs
from services.case_runs import prefect_reachable


def run_now(as_flow: Callable[[], Coroutine[Any, Any, dict[str, Any]]], directly: Callable[[], Any]) -> dict[str, Any]:
    if asyncio.run(prefect_reachable()):
        return asyncio.run(as_flow())
    result = directly()
    return asdict(result) if is_dataclass(result) and not isinstance(result, type) else result


def run_sweep(at: datetime) -> dict[str, Any]:
    from flows.sweep import deadline_sweep

    return run_now(lambda: deadline_sweep(now=at.isoformat()), lambda: jobs.sweep_day(at))


def run_round(month: str, at: datetime, team: int = 0) -> dict[str, Any]:
    from flows.inspection import monthly_inspection

    return run_now(lambda: monthly_inspection(month=month, now=at.isoformat(), team=team),
                   lambda: jobs.open_month_round(at, month, team))


def run_notice(month: str, at: datetime, *, publish: bool, publisher: str) -> dict[str, Any]:
    from flows.notice import monthly_notice

    return run_now(lambda: monthly_notice(month=month, now=at.isoformat(), publish=publish, publisher=publisher),
                   lambda: jobs.notice_month(month, at, publish=publish, publisher=publisher))
