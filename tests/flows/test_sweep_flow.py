"""The deadline sweep as a flow run: digests at the SMTP server, colours in the Prefect UI.
Moments are taken from the item's real due date, so the test holds whenever it runs."""

import asyncio
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from prefect.client.orchestration import get_client

from app.jobs import run_sweep
from models.deadlines.calendar import WorkCalendar
from services.jobs import decide_sweep
from tests.mail import wait_for_mail
from tests.stack import Stack, item_events, latest_markdown
from tests.waiting import wait_until

INSPECTOR, OWNER = "zhou.jing@example.org", "gao.peng@example.org"
SUPERVISORS = {"sun.hongmei@example.org", "li.xiaodong@example.org"}


def morning(day: date) -> str:
    return datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("Asia/Shanghai")).isoformat()


def moment(day: date) -> datetime:
    return datetime.fromisoformat(morning(day))


def mail_count(stack: Stack) -> int:
    return len(list(stack.sink.folder.glob("*.eml")))


def run_tags(stack: Stack, code: str) -> set[str]:
    return set(stack.flow_run(code).tags)


async def table(key: str):
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        found = await client.read_latest_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
        return json.loads(found[0].data) if found else []


def test_sweep_escalates_with_one_digest_per_person_and_colours_the_run(stack: Stack):
    started = datetime.now(ZoneInfo("UTC"))
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "群众诉求推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    wait_for_mail(stack.sink, 1)  # the assignment
    due = date.fromisoformat(json.loads(stack.cli("show", code, "--json"))["due_on"])
    cal = WorkCalendar()

    day1 = cal.add_working_days(due, 1).day  # one working day late: blue, owner and secretary
    result = run_sweep(moment(day1))
    assert result.escalated == (code,) and result.digests == 1
    [digest] = wait_for_mail(stack.sink, 2)[1:]
    assert digest["To"] == OWNER and digest["Subject"].startswith("【整改督办】")
    assert "蓝色督办" in digest.get_body(("plain",)).get_content()
    assert {"overdue", "level-1", "蓝色督办", "待整改"} <= run_tags(stack, code)
    assert stack.flow_run(code).name.endswith(" · 待整改 · 蓝色督办")
    # The overview artifact has the branch's blue item (open 1; blue 1, yellow 0, red 0).
    overview = asyncio.run(latest_markdown("overview"))
    assert "| 信息中心党支部 | 1 | 1 | 0 | 0 |" in overview, overview
    assert "/dashboard" in overview
    # The item's history says what the escalation was and who heard of it.
    case = asyncio.run(latest_markdown(f"case-{code.lower()}"))  # written by the sweep's run
    assert "| 督办升级 escalated | system | 第 1 级 蓝色督办，逾期 1 个工作日；已告知 高鹏 |" in case, case
    rows = asyncio.run(table("overdue-ledger"))
    assert [r["编号 code"] for r in rows] == [code] and rows[0]["督办 colour"] == "1 蓝 blue"
    wait_until(lambda: "rectiflow.item.escalate" in asyncio.run(item_events(code, since=started)),
               timeout=15, what="the escalation event")

    # The same morning again: nothing new to anyone.
    again = run_sweep(moment(day1))
    assert (again.digests, again.escalated) == (0, ())
    assert mail_count(stack) == 2

    day5 = cal.add_working_days(due, 5).day  # yellow: the committee's supervisors hear once
    result = run_sweep(moment(day5))
    assert result.escalated == (code,) and result.digests == 3  # two supervisors + the owner
    mails = wait_for_mail(stack.sink, 5)[2:]
    assert {m["To"] for m in mails} == SUPERVISORS | {OWNER}
    # Each ends with what its reader can do: the owner may ask for time, a supervisor follows up.
    for m in mails:
        text = m.get_body(("plain",)).get_content()
        if m["To"] == OWNER:
            assert "如需延期" in text and "您督办的事项" not in text, text
        else:
            assert "您督办的事项" in text and "/dashboard" in text and "如需延期" not in text, text
    assert "level-2" in run_tags(stack, code) and "level-1" not in run_tags(stack, code)
    assert "黄色督办" in run_tags(stack, code) and "蓝色督办" not in run_tags(stack, code)

    # A crash between deciding and delivering: the next run sends the decided mail, once.
    day6 = cal.add_working_days(due, 6).day
    decide_sweep(moment(day6))
    assert mail_count(stack) == 5
    result = run_sweep(moment(day6))
    assert result.digests == 0  # decided before the crash
    wait_for_mail(stack.sink, 6)
    assert mail_count(stack) == 6


def test_sweep_does_nothing_on_a_holiday(stack: Stack):
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    wait_for_mail(stack.sink, 1)
    due = date.fromisoformat(json.loads(stack.cli("show", code, "--json"))["due_on"])
    day = due
    while WorkCalendar().is_workday(day):  # the first day off after the deadline
        day = date.fromordinal(day.toordinal() + 1)
    result = run_sweep(moment(day))
    assert result.workday is False and result.digests == 0
    assert mail_count(stack) == 1
    assert "非工作日" in stack.cli("sweep", "--now", f"{day}T09:00:00")


def test_a_far_moment_typed_into_the_ui_form_fails_the_run_and_changes_nothing(stack: Stack):
    import pytest

    from flows.sweep import deadline_sweep
    from messages import RuleError
    from tests.security.ledger_state import fingerprint

    stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "x", "--as", INSPECTOR)
    before = fingerprint(stack.engine)
    with pytest.raises(RuleError) as refused:
        asyncio.run(deadline_sweep(now="9999-12-31T09:00:00+08:00"))
    assert refused.value.field == "now"
    assert fingerprint(stack.engine) == before and mail_count(stack) == 0


def test_a_zone_less_moment_typed_into_the_ui_form_is_the_bureau_s_wall_clock(stack: Stack):
    """The UI's form takes `2026-12-20T09:00` as typed: 09:00 in the bureau's zone, the same
    moment the CLI's --now takes, never a naive time compared with aware ones."""
    from flows.sweep import deadline_sweep

    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    due = date.fromisoformat(json.loads(stack.cli("show", code, "--json"))["due_on"])
    day = WorkCalendar().add_working_days(due, 1).day  # one working day late
    result = asyncio.run(deadline_sweep(now=f"{day}T09:00"))
    assert result.day == day and result.workday is True
    assert code in result.escalated and json.loads(stack.cli("show", code, "--json"))["escalation_level"] == 1
