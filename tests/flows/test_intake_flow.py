"""`file-findings` as a Prefect flow run (what the Prefect UI's run form starts)."""

import asyncio

from prefect.flow_engine import run_flow_async

from flows.intake import file_findings
from tests.mail import wait_for_mail
from tests.stack import Stack


def run_intake(**params):
    return asyncio.run(run_flow_async(file_findings, parameters=params, return_type="state"))


def test_intake_files_and_starts_the_case_run(stack: Stack):
    state = run_intake(unit="zb-shenpi2", manifestation="tuo-4", title="信访件办理拖沓",
                       inspector="zheng.yun@example.org", detail="3件超期")
    assert state.is_completed()
    code = state.result()
    assert code.startswith("ZG-")
    assert stack.flow_run(code).name == f"{code} 审批二处党支部"
    assert stack.step(code).state.name == "Suspended"
    assert wait_for_mail(stack.sink, 1)[0]["To"] == "he.qiang@example.org"


def test_intake_refusal_fails_the_run_with_the_reason_and_files_nothing(stack: Stack):
    state = run_intake(unit="zb-nowhere", manifestation="tuo-4", title="x", inspector="zheng.yun@example.org")
    assert state.is_failed()
    assert "unknown unit: zb-nowhere" in state.message
    assert stack.cli("ledger", "--json").strip() == "[]"
