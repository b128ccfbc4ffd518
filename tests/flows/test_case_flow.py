"""End to end on a real Prefect server and a real SMTP server: one case run per item."""

import asyncio
import logging
from datetime import UTC, datetime

from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run

from tests.mail import calendar_part, wait_for_mail
from tests.stack import Stack, artifact, item_events, latest_markdown
from tests.waiting import days_ahead, wait_until

INSPECTOR, OWNER, VERIFIER = "zhou.jing@example.org", "gao.peng@example.org", "wu.haitao@example.org"


async def run_logs(run_id) -> list[tuple[int, str]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    async with get_client() as client:
        logs = await client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return [(log.level, log.message) for log in logs]


def suspend_logged(run_id) -> list[tuple[int, str]] | None:
    logs = asyncio.run(run_logs(run_id))
    return logs if any(m.startswith("Finished in state Suspended") for _, m in logs) else None


def parts(mail):
    return {p.get_content_type(): p for p in mail.walk()}


def test_item_lifecycle_through_its_case_run(stack: Stack, tmp_path):
    started = datetime.now(UTC)
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "群众诉求推诿",
                     "--as", INSPECTOR).strip().splitlines()[0]
    assert code.startswith("ZG-")

    run = stack.flow_run(code)
    assert run.name == f"{code} 信息中心党支部"
    assert {"unit:zb-xinxi", "group:lan", "class:immediate"} <= set(run.tags)

    # First pass: assign to the branch secretary, mail them, sleep. The runs list says whose
    # move it is, and a suspend is no error in the run's log.
    run = stack.step(code)
    assert run.state.type is StateType.PAUSED and run.state.name == "Suspended"
    assert run.name == f"{code} 信息中心党支部 · 待整改" and "待整改" in run.tags
    logs = wait_until(lambda: suspend_logged(stack.run_id(code)), timeout=15, what="the run's log in the API")
    assert [(lv, m) for lv, m in logs if lv >= logging.WARNING] == []
    [assigned] = wait_for_mail(stack.sink, 1)
    assert assigned["To"] == OWNER and assigned["Subject"].startswith("【整改交办】")
    assert "高鹏同志" in parts(assigned)["text/plain"].get_content()
    assert parts(assigned)["text/calendar"].get_filename() == "deadline.ics"
    first_event = calendar_part(assigned)
    assert first_event["charset"] == "utf-8" and first_event["METHOD"] == "PUBLISH"
    art = asyncio.run(artifact(f"case-{code.lower()}", flow_run_id=stack.run_id(code)))
    assert "整改中" in art.data and "高鹏" in art.data
    assert f"(http://127.0.0.1:8000/items/{code})" in art.data  # the item's page in the portal
    # The bureau's overview follows every pass: one open item, uncoloured, found this month.
    assert "| 信息中心党支部 | 1 | 0 | 0 | 0 | 1 | 0 | 0 |" in asyncio.run(latest_markdown("overview"))

    # The owner submits with a file: the run is resumed, the verifier mailed.
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 jpeg bytes")
    stack.cli("submit", code, "--as", OWNER, "--note", "已建立首问负责制", "--file", str(photo))
    assert stack.flow_run(code).state.type is StateType.SCHEDULED  # resumed, waiting for a worker
    assert stack.step(code).state.name == "Suspended"
    mails = wait_for_mail(stack.sink, 2)
    assert mails[1]["To"] == INSPECTOR and "现场照片.jpg" in parts(mails[1])["text/plain"].get_content()
    run = stack.flow_run(code)
    assert run.name.endswith(" · 待验收") and "待验收" in run.tags and "待整改" not in run.tags

    # A stray "Resume" click in the UI costs one harmless pass: no mail, no change.
    resume_flow_run(stack.run_id(code))
    assert stack.step(code).state.name == "Suspended"
    assert len(list(stack.sink.folder.glob("*.eml"))) == 2

    # Returned with a reason: the owner hears why, then resubmits; another verifier accepts.
    new_due = days_ahead(30)
    stack.cli("review", code, "--as", VERIFIER, "--return", "缺少制度文件", "--due", new_due)
    stack.step(code)
    returned = wait_for_mail(stack.sink, 3)[2]
    assert returned["To"] == OWNER and "缺少制度文件" in parts(returned)["text/plain"].get_content()
    moved = calendar_part(returned)  # the new date updates the event the owner's calendar holds
    assert (moved["UID"], moved["DTSTART;VALUE=DATE"]) == (first_event["UID"], new_due.replace("-", ""))
    assert int(moved["SEQUENCE"]) > int(first_event["SEQUENCE"])
    stack.cli("submit", code, "--as", OWNER, "--note", "补充制度文件")
    stack.step(code)
    stack.cli("review", code, "--as", VERIFIER, "--accept")
    run = stack.step(code)
    assert run.state.type is StateType.COMPLETED
    assert run.name.endswith(" · 已销号") and "已销号" in run.tags

    closed = wait_for_mail(stack.sink, 5)[4]
    assert closed["Subject"].startswith("【已销号】")
    done = calendar_part(closed)  # closed: the deadline leaves the owner's calendar
    assert (done["METHOD"], done["STATUS"], done["UID"]) == ("CANCEL", "CANCELLED", first_event["UID"])
    assert int(done["SEQUENCE"]) > int(moved["SEQUENCE"])
    assert "已销号" in asyncio.run(artifact(f"case-{code.lower()}", flow_run_id=stack.run_id(code))).data
    assert "intact and anchored: 6 events" in stack.cli("audit", "verify")
    # The Prefect event feed reads like the ledger (events arrive asynchronously).
    expected = [f"rectiflow.item.{k}" for k in ("file", "assign", "submit", "return", "submit", "accept")]
    wait_until(lambda: asyncio.run(item_events(code, since=started)) == expected, timeout=15,
               what=f"events {expected}")
    # After completion a command has nothing to wake, and nothing is mailed twice.
    assert len(list(stack.sink.folder.glob("*.eml"))) == 5


def test_withdrawn_item_finishes_its_run(stack: Stack):
    code = stack.cli("file", "--unit", "zb-zhengce", "--manifestation", "san-2", "--title", "上班炒股",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    stack.cli("withdraw", code, "--as", INSPECTOR, "--reason", "误报")
    assert stack.step(code).state.type is StateType.COMPLETED
    mails = wait_for_mail(stack.sink, 2)
    assert mails[1]["Subject"].startswith("【已撤销】")


def test_prefect_down_keeps_the_finding_and_a_later_start_repairs_it(stack: Stack, free_api_url):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from services.case_runs import start_missing_case_runs

    with temporary_settings({PREFECT_API_URL: free_api_url}):
        result = stack.cli("file", "--unit", "zb-shenpi1", "--manifestation", "tuo-2", "--title", "回复超期",
                           "--as", INSPECTOR)
    code = result.split()[0]
    show = stack.cli("show", code, "--json")
    assert '"flow_run_id": null' in show and "case run not started" in show
    assert asyncio.run(start_missing_case_runs()) == [code]
    assert stack.step(code).state.name == "Suspended"
    assert wait_for_mail(stack.sink, 1)[0]["To"] == "zhu.wei@example.org"


def test_wake_waits_for_a_running_pass_and_notes_one_that_stays_busy(stack: Stack):
    from prefect.client.orchestration import get_client
    from prefect.states import Running

    from models.people.directory import finding_by_code
    from services.case_runs import CaseRef, wake_case_run
    from store.db import reading

    def ref(code: str) -> CaseRef:  # as the command that changed it saw it
        with reading(stack.engine) as session:
            return CaseRef.of(finding_by_code(session, code))

    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "fu-1", "--title", "以会议落实会议",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    run_id = stack.run_id(code)

    async def force_running() -> None:
        async with get_client() as client:
            await client.set_flow_run_state(run_id, Running(), force=True)

    asyncio.run(force_running())
    assert asyncio.run(wake_case_run(ref(code), settle_seconds=0.5)) == "busy"
    assert "busy at wake" in stack.cli("show", code, "--json")
    # Once the pass has gone to sleep, waking resumes it and clears the note.
    stack.cli("submit", code, "--as", OWNER, "--note", "改为现场办公")  # run still 'Running': noted
    from prefect.states import Suspended

    async def force_suspended() -> None:
        async with get_client() as client:
            await client.set_flow_run_state(run_id, Suspended(timeout_seconds=None, pause_key="t"), force=True)

    asyncio.run(force_suspended())
    assert asyncio.run(wake_case_run(ref(code))) == "resumed"
    assert '"run_note": ""' in stack.cli("show", code, "--json")
    assert stack.step(code).state.name == "Suspended"
    assert wait_for_mail(stack.sink, 2)[1]["To"] == INSPECTOR
