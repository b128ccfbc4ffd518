"""Case runs: the glue between the ledger and Prefect that starts, wakes and repairs them.

The ledger is changed first, then Prefect is told. If Prefect cannot be reached the
change stands; the item records why its run is missing or asleep, and reconcile (or the
next `rectiflow up`) repairs it.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import update
from sqlmodel import col, select

from models.catalogue import DeadlineClass, Manifestation
from models.instance import instance_id
from models.items.finding import Finding, State
from models.people.directory import finding_by_code
from models.people.org import Unit
from services.context import database
from services.context import now as ctx_now
from store.db import reading, transaction

# Prefect is imported where it is used: a CLI command that never talks to it starts in half
# the time, and Prefect reads its settings (set by app/context.py) only when first imported.
log = logging.getLogger(__name__)
CASE_DEPLOYMENT = "rectification-case/rectification-case"
AWAITING_SLOT = "AwaitingConcurrencySlot"  # Prefect's name for a run queued by deployment concurrency
OPEN_STATES = [s for s in State if s.is_open]


class Wake(StrEnum):
    """What waking an item's case run did."""

    resumed = "resumed"  # it was asleep: resumed, its next pass reads the change
    pending = "pending"  # a pass is about to start and reads the ledger anew
    finished = "finished"  # the run (and the item) is done
    started = "started"  # it had none: started
    replaced = "replaced"  # it had ended under an open item: a new one
    busy = "busy"  # still running after the wait: noted, reconcile resumes it
    unreachable = "unreachable"  # Prefect did not answer: noted, reconcile repairs it


def record_run(code: str, *, flow_run_id: str | None, note: str = "") -> None:
    """Remember the item's case run, or why it has none (reconcile starts it later)."""
    with transaction(database()) as session:
        values: dict[str, str] = {"run_note": note[:500]}
        if flow_run_id:
            values["flow_run_id"] = flow_run_id
        session.execute(update(Finding).where(col(Finding.code) == code).values(**values))


def _labels(code: str) -> tuple[str, str, str, list[str]]:
    with reading(database()) as session:
        f = finding_by_code(session, code)
        ledger_id = instance_id(session)
        unit = session.get(Unit, f.unit_id)
        man = session.get(Manifestation, f.manifestation_id)
        assert unit is not None and man is not None
        cls: DeadlineClass = f.deadline_class
        tags = [f"unit:{unit.code}", f"group:{man.group_id}", f"class:{cls.value}"]
        parent = session.get(Finding, f.parent_id) if f.parent_id else None
        if parent is not None:  # 分解: filter the Prefect UI by the family
            tags.append(f"parent:{parent.code}")
        return f.code, unit.name, ledger_id, tags


async def start_case_run(code: str, *, replacing: str = "") -> str | None:
    """Create the item's case run, once per (ledger, code) — or once more, `replacing` a run
    that ended while the item is still open. Returns its id, or None."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import State as RunState
    from prefect.states import Scheduled

    code, unit_name, ledger_id, tags = _labels(code)
    key = f"case-{ledger_id}-{code}" + (f"-after-{replacing}" if replacing else "")
    try:
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(CASE_DEPLOYMENT)
            # Where the deployment takes only as many runs at once as its runner (`rectiflow up`),
            # a new run waits for a slot in Prefect's own queue state, which the late-runs
            # service leaves alone: a thousand filed at once are queued, not a thousand Late.
            state: RunState | None = Scheduled(name=AWAITING_SLOT) if deployment.global_concurrency_limit else None
            run = await client.create_flow_run_from_deployment(
                deployment.id, parameters={"code": code, "unit": unit_name}, state=state,
                idempotency_key=key, tags=["rectiflow", *tags], name=f"{code} {unit_name}")
    except Exception as exc:  # Prefect down or deployment missing: the item stays filed
        note = f"case run not started: {type(exc).__name__}: {exc}"
        log.warning("%s: %s", code, note)
        record_run(code, flow_run_id=None, note=note)
        return None
    record_run(code, flow_run_id=str(run.id), note="")
    if replacing:
        await _mark_replaced(replacing)
    return str(run.id)


async def _mark_replaced(flow_run_id: str) -> None:
    """The ended run no longer speaks for its item: its stage and colour tags go (a filter on
    待整改 finds only the live run) and its name says it was replaced."""
    from prefect.client.orchestration import get_client

    from services.run_labels import MANAGED_TAGS, REPLACED

    try:
        async with get_client() as client:
            old = await client.read_flow_run(UUID(flow_run_id))
            name = old.name if old.name.endswith(REPLACED[0]) else f"{old.name.split(' · ')[0]} · {REPLACED[0]}"
            await client.update_flow_run(old.id, name=name, tags=[t for t in old.tags if t not in MANAGED_TAGS])
    except Exception as exc:  # deleted, or Prefect busy: only a label; the new run carries the item
        log.info("replaced run %s not relabelled: %s", flow_run_id, exc)


@dataclass(frozen=True)
class CaseRef:
    """What waking an item's run needs to know of the item, read where the caller already
    had it (the command's transaction, reconcile's query): never read again to wake it."""

    code: str
    flow_run_id: str | None
    open: bool
    run_note: str = ""  # why the run was last not reached, if it was

    @classmethod
    def of(cls, finding: Finding) -> "CaseRef":
        return cls(finding.code, finding.flow_run_id, finding.state.is_open, finding.run_note)


async def wake_case_run(ref: CaseRef, *, settle_seconds: float = 10.0) -> Wake:
    """After a command changed the item: resume its suspended run (or start a missing one).

    A pass already running may have read the item before this change, so wait (briefly)
    for it to settle, then resume it. Returns what happened: "resumed", "pending" (a pass
    is about to start and will read the ledger afresh), "finished", "started", "busy"
    (still running; noted for reconcile) or "unreachable".
    """
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.flow_runs import aresume_flow_run

    code, run_id, open_ = ref.code, ref.flow_run_id, ref.open
    if run_id is None:
        return Wake.started if open_ and await start_case_run(code) else Wake.unreachable
    try:
        async with get_client() as client:
            deadline = time.monotonic() + settle_seconds
            while True:
                state = (await client.read_flow_run(UUID(run_id))).state
                if state is None or state.is_final():
                    if open_ and state is not None and not state.is_completed():
                        # Failed, crashed or cancelled under an open item: give it a new run.
                        return Wake.replaced if await start_case_run(code, replacing=run_id) else Wake.unreachable
                    return Wake.finished
                if state.is_paused():
                    break
                if not state.is_running():
                    return Wake.pending  # Scheduled / Pending: the next pass reads the ledger anew
                if time.monotonic() > deadline:
                    record_run(code, flow_run_id=run_id, note="busy at wake; reconcile resumes it")
                    return Wake.busy
                await asyncio.sleep(0.2)
        await aresume_flow_run(UUID(run_id))
        if ref.run_note:  # reached now: what kept it from being reached is over
            record_run(code, flow_run_id=run_id, note="")
        return Wake.resumed
    except ObjectNotFound:
        return Wake.started if open_ and await start_case_run(code) else Wake.unreachable
    except Exception as exc:
        record_run(code, flow_run_id=run_id, note=f"resume failed: {type(exc).__name__}: {exc}")
        return Wake.unreachable


def _open_items_with_runs() -> dict[str, str]:
    with reading(database()) as session:
        rows = session.exec(select(Finding.flow_run_id, Finding.code).where(
            col(Finding.flow_run_id).is_not(None),
            col(Finding.state).in_(OPEN_STATES))).all()
        return {str(run_id): code for run_id, code in rows}


async def _heard_from(client: Any, run_id: UUID, *, since: datetime) -> bool:
    """Whether the run's process sent a heartbeat since then (Prefect's flow-run heartbeats,
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY): a long pass that is alive is not stuck."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

    page = await client.read_events(filter=EventFilter(
        occurred=EventOccurredFilter(since=since), event=EventNameFilter(name=["prefect.flow-run.heartbeat"]),
        resource=EventResourceFilter(id=[f"prefect.flow-run.{run_id}"])), limit=1)
    return bool(page.events)


async def repair_case_runs(*, stuck_after: timedelta) -> dict[str, list[str]]:
    """Every open item's case run, read in batches and put right:

    - ended (Failed, Crashed, Cancelled, or Completed while the item is open): a new run;
    - stuck in Pending, Running or Cancelling for longer than `stuck_after`, with no heartbeat
      in that time (a pass takes seconds; the process behind it died): marked Crashed, then a
      new run.

    `rectiflow up` calls it before it serves anything, with no grace: every run left Pending or
    Running then belongs to a process that no longer exists. Returns codes by what was done."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    by_run = _open_items_with_runs()
    report: dict[str, list[str]] = {"replaced": [], "stuck": [], "missing": []}
    ids = list(by_run)
    async with get_client() as client:
        seen: set[str] = set()
        for i in range(0, len(ids), 200):
            runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[UUID(r) for r in ids[i:i + 200]])), limit=200)
            for run in runs:
                seen.add(str(run.id))
                state, code = run.state, by_run[str(run.id)]
                if state is None:
                    continue
                at = ctx_now()
                since = at - (state.timestamp or at)
                if state.is_final() or state.is_completed():
                    outcome = "replaced"
                elif state.type in (StateType.PENDING, StateType.RUNNING, StateType.CANCELLING) \
                        and since >= stuck_after and not await _heard_from(client, run.id, since=at - stuck_after):
                    await client.set_flow_run_state(run.id, Crashed(
                        message=f"rectiflow: no process behind this run ({state.name} for {since}); replaced"),
                        force=True)
                    outcome = "stuck"
                else:
                    continue
                if await start_case_run(code, replacing=str(run.id)):
                    report[outcome].append(code)
        for run_id in set(ids) - seen:  # deleted from Prefect (or a Prefect database started afresh)
            if await start_case_run(by_run[run_id], replacing=run_id):
                report["missing"].append(by_run[run_id])
    return report


async def start_missing_case_runs() -> list[str]:
    """Start a run for every open item that has none (e.g. filed while Prefect was down)."""
    with reading(database()) as session:
        codes = list(session.exec(select(Finding.code).where(
            col(Finding.flow_run_id).is_(None),
            col(Finding.state).in_(OPEN_STATES))))
    return await start_case_runs(codes)


async def start_case_runs(codes: list[str]) -> list[str]:
    """Start the runs of items just filed, one by one: on the embedded Prefect (SQLite) ten at
    once during a 150-row import gave 503s, 44 Late runs and 2,134 "database is locked" lines;
    one by one, 16 lines and the same throughput (the runner, not creation, sets the pace).
    With Prefect unreachable, start none and leave them to reconcile. Returns those started."""
    if not codes:
        return []
    if not await prefect_reachable():
        with transaction(database()) as session:
            session.execute(update(Finding).where(col(Finding.code).in_(codes))
                            .values(run_note="case run not started: Prefect unreachable"))
        return []
    # A burst can find Prefect's own database busy (503): the rest again after each pause;
    # what still fails is handed to a reconcile run a minute from now (reconcile otherwise
    # runs hourly), so no item waits long for its run.
    started: list[str] = []
    missed = list(codes)
    for pause in (0.0, *RETRY_PAUSES):
        if not missed:
            break
        await asyncio.sleep(pause)
        left: list[str] = []
        for code in missed:
            (started if await start_case_run(code) else left).append(code)
        missed = left
    if missed:
        await reconcile_soon(len(missed))
    return started


async def start_new_case_run(code: str) -> str | None:
    """A just-filed item's run; if Prefect answers but will not create it, a reconcile run a
    minute ahead will (Prefect down: the next `rectiflow up` or the hourly reconcile)."""
    run = await start_case_run(code)
    if run is None and await prefect_reachable():
        await reconcile_soon(1)
    return run


RETRY_PAUSES = (2.0, 8.0)
RECONCILE_DEPLOYMENT = "reconcile/reconcile"


async def reconcile_soon(missing: int, *, after_seconds: int = 60) -> bool:
    """Ask for a reconcile run shortly (items left without a run after a burst); False when
    Prefect refuses that too (then the hourly run or the next `rectiflow up` starts them)."""
    from prefect.deployments import arun_deployment

    try:
        await arun_deployment(RECONCILE_DEPLOYMENT, timeout=0, as_subflow=False,
                              scheduled_time=ctx_now() + timedelta(seconds=after_seconds),
                              tags=["rectiflow", "runs-missing"])
    except Exception as exc:
        log.warning("%d items without a case run; reconcile not scheduled: %s", missing, exc)
        return False
    return True


async def prefect_reachable() -> bool:
    from prefect.client.orchestration import get_client

    try:
        async with get_client() as client:
            return await client.api_healthcheck() is None
    except Exception:
        return False


def drifted_items() -> list[CaseRef]:
    """Items whose case run has not acted on their latest change: a missed resume, a
    close made elsewhere, a run busy when it was woken."""
    with reading(database()) as session:
        return [CaseRef.of(f) for f in session.exec(select(Finding).where(
            col(Finding.flow_run_id).is_not(None),
            col(Finding.version) != Finding.suspended_version).order_by(col(Finding.id)))]
