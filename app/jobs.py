"""Running a scheduled job now, from the CLI: as a flow run when Prefect answers (so the UI
shows it, with its artifacts), else the same body (services/jobs.py) straight against the
ledger and the mail relay. Either way the result is the job's own typed report."""

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any, TypeVar

from services import jobs
from services.case_runs import prefect_reachable

R = TypeVar("R")


def run_now(as_flow: Callable[[], Coroutine[Any, Any, R]], directly: Callable[[], R]) -> R:
    if asyncio.run(prefect_reachable()):
        return asyncio.run(as_flow())
    return directly()


def run_sweep(at: datetime) -> jobs.SweepReport:
    from flows.sweep import deadline_sweep

    return run_now(lambda: deadline_sweep(now=at), lambda: jobs.sweep_day(at))


def run_round(month: str, at: datetime, team: int = 0) -> jobs.RoundOpening:
    from flows.inspection import monthly_inspection

    return run_now(lambda: monthly_inspection(month=month, now=at, team=team),
                   lambda: jobs.open_month_round(at, month, team))


def run_notice(month: str, at: datetime, *, publish: bool, publisher: str) -> jobs.BuiltNotice:
    from flows.notice import monthly_notice

    async def as_flow() -> jobs.BuiltNotice:
        built = await monthly_notice(month=month, now=at, publish=publish, publisher=publisher)
        assert isinstance(built, jobs.BuiltNotice), "a month given: built, never only checked"
        return built

    return run_now(as_flow, lambda: jobs.notice_month(month, at, publish=publish, publisher=publisher))
