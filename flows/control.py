"""Starting and waking case runs: the thin glue between the ledger and Prefect.

The ledger is changed first, then Prefect is told. If Prefect cannot be reached the
change stands; the item records why its run is missing or asleep, and reconcile (or the
next `rectiflow up`) repairs it.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import arun_deployment
from prefect.exceptions import ObjectNotFound
from prefect.flow_runs import aresume_flow_run
from sqlalchemy import Engine
from sqlmodel import select

from models.catalogue import DeadlineClass, Manifestation
from models.db import reading, transaction
from models.directory import finding_by_code
from models.finding import Finding, State
from models.instance import instance_id
from models.org import Unit
from tasks.ledger import record_run

log = logging.getLogger(__name__)
CASE_DEPLOYMENT = "rectification-case/rectification-case"


def _labels(engine: Engine, code: str) -> tuple[str, str, str, list[str]]:
    with transaction(engine) as session:
        f = finding_by_code(session, code)
        ledger_id = instance_id(session)
        unit = session.get(Unit, f.unit_id)
        man = session.get(Manifestation, f.manifestation_id)
        assert unit is not None and man is not None
        cls: DeadlineClass = f.deadline_class
        return f.code, unit.name, ledger_id, [f"unit:{unit.code}", f"group:{man.group_id}", f"class:{cls.value}"]


async def start_case_run(engine: Engine, code: str, *, replacing: str = "") -> str | None:
    """Create the item's case run, once per (ledger, code) — or once more, `replacing` a run
    that ended while the item is still open. Returns its id, or None."""
    code, unit_name, ledger_id, tags = _labels(engine, code)
    key = f"case-{ledger_id}-{code}" + (f"-after-{replacing}" if replacing else "")
    try:
        run = await arun_deployment(
            CASE_DEPLOYMENT, parameters={"code": code, "unit": unit_name}, timeout=0,
            as_subflow=False, idempotency_key=key, tags=["rectiflow", *tags],
            flow_run_name=f"{code} {unit_name}",
        )
    except Exception as exc:  # Prefect down or deployment missing: the item stays filed
        note = f"case run not started: {type(exc).__name__}: {exc}"
        log.warning("%s: %s", code, note)
        record_run(engine, code, flow_run_id=None, note=note)
        return None
    record_run(engine, code, flow_run_id=str(run.id), note="")
    return str(run.id)


async def wake_case_run(engine: Engine, code: str, *, settle_seconds: float = 10.0) -> str:
    """After a command changed the item: resume its suspended run (or start a missing one).

    A pass already running may have read the item before this change, so wait (briefly)
    for it to settle, then resume it. Returns what happened: "resumed", "pending" (a pass
    is about to start and will read the ledger afresh), "finished", "started", "busy"
    (still running; noted for reconcile) or "unreachable".
    """
    with transaction(engine) as session:
        finding = finding_by_code(session, code)
        run_id, open_ = finding.flow_run_id, finding.state.is_open
    if run_id is None:
        return "started" if open_ and await start_case_run(engine, code) else "unreachable"
    try:
        async with get_client() as client:
            deadline = time.monotonic() + settle_seconds
            while True:
                state = (await client.read_flow_run(UUID(run_id))).state
                if state is None or state.is_final():
                    if open_ and state is not None and not state.is_completed():
                        # Failed, crashed or cancelled under an open item: give it a new run.
                        return "replaced" if await start_case_run(engine, code, replacing=run_id) else "unreachable"
                    return "finished"
                if state.is_paused():
                    break
                if not state.is_running():
                    return "pending"  # Scheduled / Pending: the next pass reads the ledger anew
                if time.monotonic() > deadline:
                    record_run(engine, code, flow_run_id=run_id, note="busy at wake; reconcile resumes it")
                    return "busy"
                await asyncio.sleep(0.2)
        await aresume_flow_run(UUID(run_id))
        record_run(engine, code, flow_run_id=run_id, note="")
        return "resumed"
    except ObjectNotFound:
        return "started" if open_ and await start_case_run(engine, code) else "unreachable"
    except Exception as exc:
        record_run(engine, code, flow_run_id=run_id, note=f"resume failed: {type(exc).__name__}: {exc}")
        return "unreachable"


def _open_items_with_runs(engine: Engine) -> dict[str, str]:
    with reading(engine) as session:
        rows = session.exec(select(Finding.flow_run_id, Finding.code).where(
            Finding.flow_run_id.is_not(None),  # type: ignore[union-attr]
            Finding.state.in_([s for s in State if s.is_open]))).all()  # type: ignore[attr-defined]
        return {str(run_id): code for run_id, code in rows}


async def repair_case_runs(engine: Engine, *, stuck_after: timedelta) -> dict[str, list[str]]:
    """Every open item's case run, read in batches and put right:

    - ended (Failed, Crashed, Cancelled, or Completed while the item is open): a new run;
    - stuck in Pending, Running or Cancelling for longer than `stuck_after` (a pass takes
      seconds; the process behind it died): marked Crashed, then a new run.

    `rectiflow up` calls it before it serves anything, with no grace: every run left Pending or
    Running then belongs to a process that no longer exists. Returns codes by what was done."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.states import Crashed

    by_run = _open_items_with_runs(engine)
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
                since = datetime.now(UTC) - (state.timestamp or datetime.now(UTC))
                if state.is_final() or state.is_completed():
                    outcome = "replaced"
                elif state.type in (StateType.PENDING, StateType.RUNNING, StateType.CANCELLING) \
                        and since >= stuck_after:
                    await client.set_flow_run_state(run.id, Crashed(
                        message=f"rectiflow: no process behind this run ({state.name} for {since}); replaced"),
                        force=True)
                    outcome = "stuck"
                else:
                    continue
                if await start_case_run(engine, code, replacing=str(run.id)):
                    report[outcome].append(code)
        for run_id in set(ids) - seen:  # deleted from Prefect (or a Prefect database started afresh)
            if await start_case_run(engine, by_run[run_id], replacing=run_id):
                report["missing"].append(by_run[run_id])
    return report


async def start_missing_case_runs(engine: Engine) -> list[str]:
    """Start a run for every open item that has none (e.g. filed while Prefect was down)."""
    with transaction(engine) as session:
        codes = list(session.exec(select(Finding.code).where(
            Finding.flow_run_id.is_(None),  # type: ignore[union-attr]
            Finding.state.in_([s for s in State if s.is_open]))))  # type: ignore[attr-defined]
    started = []
    for code in codes:
        if await start_case_run(engine, code):
            started.append(code)
    return started


def run_here(as_flow: Callable[[], Coroutine[Any, Any, dict]], directly: Callable[[], dict]) -> dict:
    """Run a scheduled job now from the CLI: as a flow run when Prefect answers (so the UI
    shows it, with its artifacts), else straight against the ledger and the mail relay."""
    if asyncio.run(prefect_reachable()):
        return asyncio.run(as_flow())
    return directly()


def run_sweep(at: str) -> dict:
    """The deadline sweep for a moment."""
    from flows.sweep import deadline_sweep
    from tasks.mail import deliver_mail
    from tasks.sweep import decide_sweep

    def directly() -> dict:
        result = decide_sweep.fn(at)
        deliver_mail.fn(None, at)
        return result

    return run_here(lambda: deadline_sweep(now=at), directly)


async def prefect_reachable() -> bool:
    try:
        async with get_client() as client:
            return await client.api_healthcheck() is None
    except Exception:
        return False
