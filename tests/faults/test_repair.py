"""Runs that ended or stuck under open items are repaired; Prefect down is a message, not a
traceback; mail that the relay refused is visible and can be sent again."""

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.states import Cancelled, Pending
from sqlmodel import select

from models.outbox import MailStatus, Notification
from services.case_runs import repair_case_runs
from tests.app.web import assigned_item, last_mail, portal
from tests.mail import mails
from tests.stack import Stack, read_run


async def _set(run_id, state) -> None:
    async with get_client() as client:
        await client.set_flow_run_state(run_id, state, force=True)


def test_a_case_run_cancelled_from_the_ui_is_replaced_by_reconcile(stack: Stack):
    code, _ = assigned_item(stack)
    first = stack.run_id(code)
    mails_before = len(mails(stack.sink.folder))
    asyncio.run(_set(first, Cancelled(message="clicked in the UI")))
    out = stack.cli("reconcile")
    assert "'replaced': 1" in out, out
    second = stack.run_id(code)
    assert second != first and stack.flow_run(code).state.type is StateType.SCHEDULED
    assert stack.step(code).state.name == "Suspended"  # the new run carries the item on
    assert "待整改" in stack.flow_run(code).tags
    old = asyncio.run(read_run(first))  # the cancelled one no longer answers a stage filter
    assert old.name.endswith(" · 已替换") and "待整改" not in old.tags and "unit:zb-xinxi" in old.tags
    assert len(mails(stack.sink.folder)) == mails_before  # nobody is told twice
    assert "'replaced': 0" in stack.cli("reconcile")  # and only once


def test_a_run_stuck_in_pending_is_crashed_and_replaced(stack: Stack):
    code, _ = assigned_item(stack)
    first = stack.run_id(code)
    asyncio.run(_set(first, Pending()))  # a runner took it, then died before starting it
    report = asyncio.run(repair_case_runs(stuck_after=timedelta(hours=1)))
    assert report["stuck"] == []  # within the grace: left alone
    report = asyncio.run(repair_case_runs(stuck_after=timedelta(0)))
    assert report["stuck"] == [code]

    async def state_of(run_id):
        async with get_client() as client:
            return (await client.read_flow_run(run_id)).state

    assert asyncio.run(state_of(first)).type is StateType.CRASHED
    assert stack.run_id(code) != first and stack.step(code).state.name == "Suspended"


def test_a_run_deleted_from_prefect_is_started_again(stack: Stack):
    code, _ = assigned_item(stack)
    first = stack.run_id(code)

    async def delete() -> None:
        async with get_client() as client:
            await client.delete_flow_run(first)

    asyncio.run(delete())
    report = asyncio.run(repair_case_runs(stuck_after=timedelta(minutes=15)))
    assert report["missing"] == [code] and stack.run_id(code) != first


def test_reconcile_with_prefect_down_says_so_and_still_sends_mail(stack: Stack, free_api_url, monkeypatch):
    stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "x", "--as",
              "zhou.jing@example.org")
    monkeypatch.setenv("PREFECT_API_URL", free_api_url)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: free_api_url}):
        out = stack.cli("reconcile", expect=1)
    assert "Traceback" not in out


def test_refused_mail_is_shown_and_sent_again_on_request(stack: Stack, monkeypatch):
    code, link = assigned_item(stack)
    with stack.engine.begin() as conn:  # as if the relay had refused it for good
        conn.exec_driver_sql("UPDATE notification SET status = 'failed', attempts = 12, "
                             "error = 'SMTPRecipientsRefused: 550'")
    assert "1 封发送失败" in stack.cli("show", code)
    listed = stack.cli("mail", "list", "--failed")
    assert "550" in listed and "发送失败" in listed and code in listed
    # On an 80-column terminal each mail is a few short lines: nothing squeezed to "…".
    narrow = subprocess.run([str(Path(sys.executable).parent / "rectiflow"), "mail", "list", "--failed"],
                            env={**os.environ, "COLUMNS": "80"}, capture_output=True, text=True, check=True).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 80 and "…" not in narrow
    assert code in narrow and "gao.peng@example.org" in narrow and "SMTPRecipientsRefused: 550" in narrow
    page = portal().get(link)
    assert 'id="mail-trouble"' in page.text and "1 封发送失败" in page.text
    before = len(mails(stack.sink.folder))
    assert "1 封重新排队" in stack.cli("mail", "retry", "--failed")
    assert len(mails(stack.sink.folder)) == before + 1
    assert last_mail(stack, to="gao.peng@example.org", subject=code)
    from store.db import reading

    with reading(stack.engine) as s:
        assert all(r.status is MailStatus.sent for r in s.exec(select(Notification)))
    assert "没有待重发或失败的邮件" in stack.cli("mail", "list")


def test_runs_a_burst_could_not_create_are_retried_then_handed_to_reconcile(stack: Stack, monkeypatch):
    """Prefect answers but refuses to create the runs (here: a deployment it does not know):
    they are tried again, then a reconcile run is scheduled a minute ahead (reconcile is
    otherwise hourly), and each item says why it has no run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    from services import case_runs

    monkeypatch.setattr(case_runs, "CASE_DEPLOYMENT", "rectification-case/no-such-deployment")
    monkeypatch.setattr(case_runs, "RETRY_PAUSES", (0.0,))
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", "zhou.jing@example.org").split()[0]
    assert '"flow_run_id": null' in stack.cli("show", code, "--json")

    async def scheduled_reconciles() -> list:
        async with get_client() as client:
            return await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=["runs-missing"])))

    [soon] = asyncio.run(scheduled_reconciles())
    assert soon.state.is_scheduled() and soon.parameters == {}
    ahead = (soon.expected_start_time - datetime.now(UTC)).total_seconds()
    assert 30 < ahead <= 60, ahead
