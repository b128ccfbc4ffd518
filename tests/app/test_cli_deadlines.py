"""CLI for deadlines: extend, extension, bulk reassign, sweep, reconcile."""

import json
from datetime import date

from models.deadlines.calendar import WorkCalendar
from tests.app.test_cli import INSPECTOR, MEMBER, OWNER, file, refused
from tests.mail import calendar_part, wait_for_mail
from tests.stack import Stack

SUPERVISOR = "sun.hongmei@example.org"


def later(due: str, days: int) -> str:
    return WorkCalendar().add_working_days(date.fromisoformat(due), days).day.isoformat()


def test_extension_by_cli(stack: Stack):
    code = file(stack)
    stack.step(code)
    due = json.loads(stack.cli("show", code, "--json"))["due_on"]
    new_due = later(due, 10)
    refused(stack, "extend", code, "--to", "2026-02-30", "--reason", "x", "--as", OWNER, says="to: 日期格式应为")
    refused(stack, "extend", code, "--to", due, "--reason", "x", "--as", OWNER, says="to: 新期限须晚于当前期限")
    refused(stack, "extend", code, "--to", new_due, "--reason", "x", "--as", MEMBER, says="无权执行“申请延期”")
    asked = stack.cli("extend", code, "--to", new_due, "--reason", "等待设备到货", "--as", OWNER)
    assert "延期申请待审批，由机关党委或管理员决定" in asked  # who decides, from the lifecycle table
    run = stack.step(code)
    assert "待批延期至" in stack.cli("show", code)
    assert run.name.endswith(" · 延期待批") and "延期待批" in run.tags  # the runs list says so
    refused(stack, "extension", code, "--as", SUPERVISOR, says="--approve | --reject: 不能为空")
    refused(stack, "extension", code, "--approve", "--reject", "x", "--as", SUPERVISOR,
            says="--approve | --reject: 二者只能选其一")
    refused(stack, "extension", code, "--approve", "--as", INSPECTOR, says="无权执行“批准延期”")
    stack.cli("extension", code, "--approve", "--as", SUPERVISOR)
    assert "延期待批" not in stack.step(code).tags
    data = json.loads(stack.cli("show", code, "--json"))
    assert (data["due_on"], data["original_due_on"], data["extensions"]) == (new_due, due, 1)
    refused(stack, "extension", code, "--reject", "迟了", "--as", SUPERVISOR, says="没有待审批的延期申请")
    subjects = [m["Subject"] for m in wait_for_mail(stack.sink, 4)]  # assigned, 2 supervisors, decision
    assert any(s.startswith("【延期申请】") for s in subjects) and any(s.startswith("【延期已批准】") for s in subjects)
    # The approval moves the owner's calendar event: same UID, the new day, a higher SEQUENCE.
    mails = wait_for_mail(stack.sink, 4)
    first, approved = (calendar_part(next(m for m in mails if m["Subject"].startswith(p)))
                       for p in ("【整改交办】", "【延期已批准】"))
    assert approved["UID"] == first["UID"] and approved["DTSTART;VALUE=DATE"] == new_due.replace("-", "")
    assert int(approved["SEQUENCE"]) > int(first["SEQUENCE"]) and approved["METHOD"] == "PUBLISH"


def test_bulk_reassign_of_a_departed_owner(stack: Stack):
    codes = [file(stack) for _ in range(2)]
    for code in codes:
        stack.step(code)
    refused(stack, "reassign", "--to", MEMBER, "--as", SUPERVISOR, says="CODE | --from: 不能为空")
    out = stack.cli("reassign", "--from", OWNER, "--to", MEMBER, "--as", SUPERVISOR, "--reason", "调离")
    assert out.startswith("2:")
    for code in codes:
        stack.step(code)
        assert json.loads(stack.cli("show", code, "--json"))["owner_email"] == MEMBER
    assert [m["To"] for m in wait_for_mail(stack.sink, 4)[2:]] == [MEMBER, MEMBER]


def test_sweep_and_reconcile_commands(stack: Stack):
    code = file(stack)
    stack.step(code)
    due = json.loads(stack.cli("show", code, "--json"))["due_on"]
    refused(stack, "sweep", "--now", "tomorrow", says="now: 时间格式应为 YYYY-MM-DDTHH:MM")
    out = stack.cli("sweep", "--now", f"{later(due, 10)}T09:30")
    assert "督办 1" in out and "汇总邮件" in out
    data = json.loads(stack.cli("show", code, "--json"))
    assert (data["escalation_level"], data["colour"]) == (3, "red")
    assert "3 红" in stack.cli("ledger")
    assert "'fixed': {}" in stack.cli("reconcile")
