"""Every deployment's run form, submitted as the Prefect UI submits it: a flow run of the
deployment with the form's values as JSON (moments as typed, with or without an offset), run
the way a worker runs it (the parameters as the API hands them back, read by the flow's
typed signature). What a user would see: the run's state and name, and the ledger."""

import asyncio
import json
from datetime import date
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.flow_engine import run_flow_async
from sqlmodel import select

from flows.inspection import monthly_inspection
from flows.intake import file_findings
from flows.notice import monthly_notice
from flows.reconcile import reconcile
from flows.sweep import deadline_sweep
from models.deadlines.calendar import WorkCalendar
from models.items.finding import Finding
from models.notices.notice import Notice, NoticeStatus
from models.policy import Policy
from models.rounds.round import Round
from store.db import reading
from tests.notice_month import build_october
from tests.security.ledger_state import fingerprint
from tests.stack import Stack, read_run

INSPECTOR = "zhou.jing@example.org"


async def _submit(flow_name: str, parameters: dict[str, Any]) -> FlowRun:
    async with get_client() as client:
        deployment = await client.read_deployment_by_name(f"{flow_name}/{flow_name}")
        return await client.create_flow_run_from_deployment(deployment.id, parameters=parameters)


def submit(flow: Any, parameters: dict[str, Any]) -> FlowRun:
    """The form sent (its values as JSON, as the UI sends them), then the run as a worker
    runs it. Returns the run as the API then shows it."""
    json.dumps(parameters)  # only what a form can send
    run = asyncio.run(_submit(flow.name, parameters))

    async def work() -> FlowRun:
        await run_flow_async(flow, flow_run=run, parameters=run.parameters, return_type="state")
        return await read_run(run.id)

    return asyncio.run(work())


def _late_item(stack: Stack) -> tuple[str, date]:
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    due = date.fromisoformat(json.loads(stack.cli("show", code, "--json"))["due_on"])
    return code, WorkCalendar().add_working_days(due, 1).day  # one working day late


@pytest.mark.parametrize("typed", ["{day}T09:00", "{day}T09:00:00+08:00", "{day}T01:00:00Z"])
def test_the_sweep_form_takes_a_moment_with_or_without_its_zone(stack: Stack, typed: str):
    code, day = _late_item(stack)
    run = submit(deadline_sweep, {"now": typed.format(day=day)})
    assert run.state is not None and run.state.is_completed(), run.state
    assert run.name == f"督办巡查 sweep {day}"
    assert json.loads(stack.cli("show", code, "--json"))["escalation_level"] == 1


def test_the_sweep_form_refuses_a_far_moment_and_changes_nothing(stack: Stack):
    _late_item(stack)
    before = fingerprint(stack.engine)
    run = submit(deadline_sweep, {"now": "9999-12-31T09:00:00+08:00"})
    assert run.state is not None and run.state.is_failed(), run.state
    assert fingerprint(stack.engine) == before


def test_the_sweep_form_left_empty_sweeps_now(stack: Stack):
    run = submit(deadline_sweep, {})
    assert run.state is not None and run.state.is_completed(), run.state


def test_the_round_form_opens_the_month_typed(stack: Stack):
    run = submit(monthly_inspection, {"month": "2026-10", "now": "2026-10-08T08:30", "team": 2})
    assert run.state is not None and run.state.is_completed(), run.state
    with reading(stack.engine) as session:
        assert [r.month for r in session.exec(select(Round))] == ["2026-10"]


def test_the_notice_form_drafts_the_month_typed(stack: Stack):
    build_october(stack.engine, Policy())
    stack.cli("round", "open", "2026-10")
    stack.cli("round", "close", "2026-10")
    run = submit(monthly_notice, {"month": "2026-10", "now": "2026-11-02T10:00", "publish": False,
                                  "publisher": ""})
    assert run.state is not None and run.state.is_completed(), run.state
    with reading(stack.engine) as session:
        notice = session.exec(select(Notice)).one()
        assert (notice.month, notice.status) == ("2026-10", NoticeStatus.draft)


def test_the_filing_form_files_a_finding(stack: Stack):
    run = submit(file_findings, {"unit": "zb-xinxi", "manifestation": "lan-1", "title": "表单立项",
                                 "inspector": INSPECTOR, "detail": "", "deadline_class": "", "owner": ""})
    assert run.state is not None and run.state.is_completed(), run.state
    with reading(stack.engine) as session:
        assert [f.title for f in session.exec(select(Finding))] == ["表单立项"]


def test_the_reconcile_form_runs_with_its_default_window(stack: Stack):
    run = submit(reconcile, {"stuck_seconds": None})
    assert run.state is not None and run.state.is_completed(), run.state
