"""`reconcile` repairs each kind of drift between the ledger and Prefect."""

import asyncio

from prefect.client.orchestration import get_client
from prefect.states import Failed

from flows.reconcile import reconcile
from models.items import commands as cmd
from models.people.directory import finding_by_code, person_by_email
from services.context import now, policy
from store.db import transaction
from tests.mail import wait_for_mail
from tests.stack import Stack, artifact

INSPECTOR, OWNER = "zhou.jing@example.org", "gao.peng@example.org"


def file(stack: Stack) -> str:
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    return code


def behind_prefects_back(stack: Stack, code: str, fn, actor: str, **kw) -> None:
    """A change made in the ledger whose wake-up never reached Prefect."""
    with transaction(stack.engine) as s:
        fn(s, actor=person_by_email(s, actor), finding=finding_by_code(s, code), now=now(),
           policy=policy(), **kw)


def test_item_without_a_run_gets_one(stack: Stack, free_api_url):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: free_api_url}):
        code = stack.cli("file", "--unit", "zb-zhengce", "--manifestation", "fu-1", "--title", "文山会海",
                         "--as", INSPECTOR).split()[0]
    report = asyncio.run(reconcile())
    assert report.fixed == {"started": [code]}
    assert stack.step(code).state.name == "Suspended"
    assert asyncio.run(reconcile()).fixed == {}  # nothing left to repair
    # Idle reconciles do not pile up in the runs list: each removes the idle ones before it.
    asyncio.run(reconcile())
    runs = asyncio.run(reconcile_runs())
    assert [r.tags for r in runs if "idle" in r.tags] == [["idle"]], [(r.name, r.tags) for r in runs]
    assert any(r.name.startswith("对账 reconcile") and "idle" not in r.tags for r in runs)  # the one that fixed


async def reconcile_runs() -> list:
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with get_client() as client:
        return await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["reconcile"])))


def test_missed_resume_and_close_made_elsewhere(stack: Stack):
    missed, closed = file(stack), file(stack)
    wait_for_mail(stack.sink, 2)
    behind_prefects_back(stack, missed, cmd.submit, OWNER, account="已整改", files=[])
    behind_prefects_back(stack, closed, cmd.submit, OWNER, account="已整改", files=[])
    behind_prefects_back(stack, closed, cmd.accept, INSPECTOR)
    report = asyncio.run(reconcile())
    assert report.fixed == {"resumed": [missed, closed]}
    assert stack.step(missed).state.name == "Suspended"
    assert stack.step(closed).state.is_completed()
    # The woken passes sent what the changes called for: verifier, then the closing mail.
    subjects = [m["Subject"][:6] for m in wait_for_mail(stack.sink, 5)[2:]]
    assert sorted(subjects) == sorted(["【待验收】Z", "【待验收】Z", "【已销号】Z"])
    report_md = asyncio.run(artifact("reconcile-report", flow_run_id=None))
    assert f"**resumed**: {missed}, {closed}" in report_md.data
    assert asyncio.run(reconcile()).fixed == {}


def test_failed_run_of_an_open_item_is_replaced(stack: Stack):
    code = file(stack)
    old = stack.run_id(code)

    async def fail() -> None:
        async with get_client() as client:
            await client.set_flow_run_state(old, Failed(message="worker lost"), force=True)

    asyncio.run(fail())
    behind_prefects_back(stack, code, cmd.submit, OWNER, account="已整改", files=[])
    report = asyncio.run(reconcile())
    assert report.fixed == {"replaced": [code]}
    assert stack.run_id(code) != old
    assert stack.step(code).state.name == "Suspended"
    assert wait_for_mail(stack.sink, 2)[1]["To"] == INSPECTOR
