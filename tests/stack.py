"""A per-test rectiflow stack on the session's Prefect server: its own ledger file,
data folder and SMTP sink, and helpers that act as the worker for case runs."""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow_async
from prefect.logging.handlers import APILogHandler
from sqlalchemy import Engine
from typer.testing import CliRunner

from app.cli import app
from flows.case import rectification_case
from models.people.directory import finding_by_code
from notifications.sink import MailSink
from services.opening import database_for
from store.db import transaction
from store.settings import get_settings
from tests.waiting import wait_until

runner = CliRunner()


@dataclass
class Stack:
    data_dir: Path
    sink: MailSink

    @property
    def engine(self) -> Engine:
        return database_for(get_settings())

    def cli(self, *args: str, expect: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == expect, (result.exit_code, result.output, result.exception)
        return result.stdout

    def run_id(self, code: str) -> UUID:
        with transaction(self.engine) as s:
            run_id = finding_by_code(s, code).flow_run_id
        assert run_id, f"{code} has no case run"
        return UUID(run_id)

    def flow_run(self, code: str) -> FlowRun:
        return asyncio.run(read_run(self.run_id(code)))

    def step(self, code: str) -> FlowRun:
        """Act as the worker: execute the run's next pass, return its state afterwards. A
        command through a served portal wakes the run just after its answer has gone: the
        pass waits (briefly) for the run to be woken."""
        run_id = self.run_id(code)

        def woken() -> bool:
            state = asyncio.run(read_run(run_id)).state
            return state is not None and state.is_scheduled()

        wait_until(woken, timeout=20, what=f"the case run of {code} woken (Scheduled)")
        return asyncio.run(execute(run_id))


async def read_run(run_id: UUID) -> FlowRun:
    async with get_client() as client:
        return await client.read_flow_run(run_id)


async def execute(run_id: UUID) -> FlowRun:
    run = await read_run(run_id)
    assert run.state is not None and run.state.is_scheduled(), f"run not ready: {run.state}"
    try:
        await run_flow_async(rectification_case, flow_run=run, parameters=run.parameters,
                             return_type="state")
    except Pause:
        pass  # the pass suspended: the process would exit here
    finally:
        # ... and exiting, a worker's process sends the logs it still holds, as here: the log
        # worker's own timed flush never fires under libfaketime (make test-dates).
        await APILogHandler.aflush()
    return await read_run(run_id)


async def artifact(key: str, *, flow_run_id: UUID | None) -> Any:
    """The newest version of a keyed artifact (written by this run, when given: keys repeat
    across tests)."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async with get_client() as client:
        found = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[key]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]) if flow_run_id else None),
            sort=ArtifactSort.CREATED_DESC, limit=1)
        return found[0] if found else None


async def latest_markdown(key: str) -> str:
    """The current version of a keyed markdown artifact."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        [found] = await client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        return str(found.data)


async def item_events(code: str, *, since: datetime) -> list[str]:
    """The names of Prefect events about this item since a moment, oldest first.
    (Every test's ledger starts at ZG-…-0001 on the one session server: hence `since`.)"""
    async with get_client() as client:
        resp = await client._client.post("/events/filter", json={
            "filter": {"any_resource": {"id": [f"rectiflow.item.{code}"]},
                       "occurred": {"since": since.isoformat()}, "order": "ASC"},
            "limit": 50})
        resp.raise_for_status()
        return [e["event"] for e in resp.json()["events"]]

