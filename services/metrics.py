"""The figures a monitoring system scrapes (deploy/prometheus/): open items by colour, mail
waiting and failed, and from Prefect runs stuck or late, workers online and the last daily
sweep. Read fresh at most every `FRESH` seconds, whatever the number of scrapers."""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import col, func, select

from models.outbox import MailStatus, Notification
from services import context as ctx
from services.overview import overview
from store.db import reading

FRESH = 15.0
POOL = "rectiflow"  # prefect.yaml's work pool
SWEEP = "deadline-sweep"


@dataclass(frozen=True)
class Figures:
    open_by_colour: dict[str, int]
    unacknowledged: int
    mail: dict[str, int]
    prefect_up: bool
    runs_stuck: int = 0
    runs_late: int = 0
    workers_online: int = 0
    last_sweep: float = 0.0  # seconds since the epoch of the last completed daily sweep; 0: none
    last_backup: float = 0.0  # when the newest backup under RECTIFLOW_BACKUP_DIR was made; 0: none
    read_at: float = field(default_factory=time.time)


_last: dict[str, Figures] = {}  # by ledger


def figures() -> Figures:
    ledger = ctx.settings().resolved_database_url
    known = _last.get(ledger)
    if known is None or time.time() - known.read_at > FRESH:
        _last[ledger] = known = _read()
    return known


def _read() -> Figures:
    ov = overview(now=ctx.now(), trend_months=1)
    colours = {**ov.colours, "none": ov.open - sum(ov.colours.values())}  # "none": within its time, no colour yet
    with reading(ctx.database()) as session:
        mail = {str(status): count for status, count in session.exec(
            select(Notification.status, func.count()).where(
                col(Notification.status).in_([MailStatus.pending, MailStatus.sending, MailStatus.failed]))
            .group_by(col(Notification.status)))}
    backup = _last_backup()
    try:
        stuck, late, online, sweep = asyncio.run(_prefect())
    except Exception:  # Prefect not answering is itself the figure (rectiflow_prefect_up 0)
        return Figures(colours, ov.unacknowledged, mail, False, last_backup=backup)
    return Figures(colours, ov.unacknowledged, mail, True, stuck, late, online, sweep, backup)


def _last_backup() -> float:
    from datetime import datetime

    from services.backup import backups_by_moment

    newest = backups_by_moment(ctx.settings().backups)[:1]
    return datetime.fromisoformat(newest[0][0]).timestamp() if newest else 0.0


async def _prefect() -> tuple[int, int, int, float]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateName,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    before = ctx.now() - timedelta(seconds=ctx.settings().stuck_seconds)
    async with get_client() as client:
        stuck = await client.count_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PENDING, StateType.RUNNING])),
            start_time=FlowRunFilterStartTime(before_=before)))
        late = await client.count_flow_runs(flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Late"]))))
        try:
            workers = await client.read_workers_for_work_pool(POOL)
        except Exception:  # no such pool (the embedded stack serves its runs itself)
            workers = []
        online = sum(1 for w in workers if str(w.status).upper().endswith("ONLINE"))
        sweeps = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType.COMPLETED]))),
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[SWEEP])),
            sort=FlowRunSort.END_TIME_DESC, limit=1)
    last = sweeps[0].end_time.timestamp() if sweeps and sweeps[0].end_time else 0.0
    return stuck, late, online, last
