"""`rectiflow round` and the monthly-inspection flow on the real stack."""

import asyncio
from io import BytesIO

from openpyxl import load_workbook

from flows.inspection import monthly_inspection
from tests.app.test_cli import refused
from tests.mail import wait_for_mail
from tests.stack import Stack


def test_round_open_mails_each_inspector_a_checklist_once(stack: Stack):
    out = stack.cli("round", "open", "2026-12")
    assert "2026-12: opened, closes 2026-12-20" in out and out.count("@example.org") == 10
    mails = wait_for_mail(stack.sink, 3)
    assert sorted(m["To"] for m in mails) == ["wu.haitao@example.org", "zheng.yun@example.org",
                                              "zhou.jing@example.org"]
    for mail in mails:
        assert mail["Subject"].startswith("【2026-12 督察】")
        [xlsx] = [p for p in mail.walk() if (p.get_filename() or "").endswith(".xlsx")]
        ws = load_workbook(BytesIO(xlsx.get_payload(decode=True))).active
        units = {r[0] for r in ws.iter_rows(min_row=2, values_only=True)}
        assert ws.max_row - 1 == 22 * len(units) and ws["E1"].value == "结果"
    assert "already open" in stack.cli("round", "assign", "2026-12")
    assert len(list(stack.sink.folder.glob("*.eml"))) == 3
    assert "closed" in stack.cli("round", "close", "2026-12")
    refused(stack, "round", "close", "2027-01", says="month: 2027-01 尚未开始督察")
    refused(stack, "round", "open", "2026-13", says="month: 月份格式应为 YYYY-MM：2026-13")


def test_scheduled_run_opens_only_on_the_first_working_day(stack: Stack):
    not_yet = asyncio.run(monthly_inspection(now="2026-10-07T08:30:00+08:00"))  # a National Day holiday
    assert not_yet["opened"] is False and "2026-10-08" in not_yet["reason"]
    opened = asyncio.run(monthly_inspection(now="2026-10-08T08:30:00+08:00"))
    assert opened["opened"] is True and opened["month"] == "2026-10"
    assert len(wait_for_mail(stack.sink, 3)) == 3
