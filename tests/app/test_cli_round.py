"""`rectiflow round` and the monthly-inspection flow on the real stack."""

import asyncio
from io import BytesIO

from openpyxl import load_workbook

from flows.inspection import monthly_inspection
from tests.app.test_cli import refused
from tests.mail import wait_for_mail
from tests.stack import Stack


def test_round_open_mails_each_inspector_a_checklist_once(stack: Stack):
    out = stack.cli("round", "open", "2030-06")
    assert "2030-06: opened, closes 2030-06-20" in out and out.count("@example.org") == 10
    mails = wait_for_mail(stack.sink, 3)
    assert sorted(m["To"] for m in mails) == ["wu.haitao@example.org", "zheng.yun@example.org",
                                              "zhou.jing@example.org"]
    for mail in mails:
        assert mail["Subject"].startswith("【2030-06 督察】")
        [xlsx] = [p for p in mail.walk() if (p.get_filename() or "").endswith(".xlsx")]
        ws = load_workbook(BytesIO(xlsx.get_payload(decode=True))).active
        units = {r[0] for r in ws.iter_rows(min_row=2, values_only=True)}
        assert ws.max_row - 1 == 22 * len(units) and ws["E1"].value == "结果"
    assert "already open" in stack.cli("round", "assign", "2030-06")
    assert len(list(stack.sink.folder.glob("*.eml"))) == 3
    assert "closed" in stack.cli("round", "close", "2030-06")
    refused(stack, "round", "close", "2030-07", says="month: 2030-07 尚未开始督察")
    refused(stack, "round", "open", "2026-13", says="month: 月份格式应为 YYYY-MM：2026-13")


def test_scheduled_run_opens_only_on_the_first_working_day(stack: Stack):
    not_yet = asyncio.run(monthly_inspection(now="2026-10-07T08:30:00+08:00"))  # a National Day holiday
    assert not_yet.opened is False and "2026-10-08" in not_yet.reason
    opened = asyncio.run(monthly_inspection(now="2026-10-08T08:30:00+08:00"))
    assert opened.opened is True and opened.month == "2026-10"
    assert len(wait_for_mail(stack.sink, 3)) == 3


def test_recording_a_filled_checklist_files_the_failures_once(stack: Stack, tmp_path):
    stack.cli("round", "open", "2030-06")
    mail = next(m for m in wait_for_mail(stack.sink, 3) if m["To"] == "zhou.jing@example.org")
    [xlsx] = [p for p in mail.walk() if (p.get_filename() or "").endswith(".xlsx")]
    wb = load_workbook(BytesIO(xlsx.get_payload(decode=True)))
    ws = wb.active
    units = sorted({r[0] for r in ws.iter_rows(min_row=2, values_only=True)})
    first, second = units[0], units[1]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 5).value = "合格"
        if ws.cell(r, 1).value == second and ws.cell(r, 3).value == "tuo-1":
            ws.cell(r, 5).value = "不合格"
            ws.cell(r, 6).value = "公文办理超时限"
            ws.cell(r, 7).value = "抽查12件，3件超时"
    blank_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == first)
    ws.cell(blank_row, 5).value = None
    path = tmp_path / "filled.xlsx"
    wb.save(path)
    refused(stack, "round", "record", "2030-06", str(path), says="result: 请填写 合格 / 不合格")

    ws.cell(blank_row, 5).value = "合格"
    wb.save(path)
    out = stack.cli("round", "record", "2030-06", str(path))
    n = ws.max_row - 1
    assert f"{n} 条结果已录入" in out and "1 项问题立项" in out and f"本月无问题单位：{first}" in out
    import json

    [item] = json.loads(stack.cli("ledger", "--json"))
    assert (item["unit_code"], item["manifestation_id"], item["title"]) == (second, "tuo-1", "公文办理超时限")
    again = stack.cli("round", "record", "2030-06", str(path))
    assert "0 条结果已录入" in again and "0 项问题立项" in again
    stack.cli("round", "close", "2030-06")
    refused(stack, "round", "record", "2030-06", str(path), says="month: 2030-06 督察已结束")
    plain = tmp_path / "plain.xlsx"
    from tests.models.rounds.test_sheet import book, row

    book(plain, [row()])
    stack.cli("round", "open", "2030-07")
    refused(stack, "round", "record", "2030-07", str(plain), says="需要“结果”列")


def test_compliance_command(stack: Stack):
    import json

    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", "zhou.jing@example.org").split()[0]
    stack.step(code)
    [month] = json.loads(stack.cli("compliance", "--json"))
    by = {b["unit"]: b for b in month["branches"]}
    from calendar import monthrange
    from datetime import date

    due = date.fromisoformat(json.loads(stack.cli("show", code, "--json"))["due_on"])
    year_, month_ = (int(x) for x in month["month"].split("-"))
    overdue = int(due < date(year_, month_, monthrange(year_, month_)[1]))  # open past due by month end
    assert len(by) == 5
    assert (by["zb-xinxi"]["figures"]["found"], by["zb-xinxi"]["figures"]["overdue"]) == (1, overdue)
    assert by["zb-xinxi"]["score"] == 100 - 2 - 10 * overdue
    assert month["target"] in (50, 80, 100)
    assert "达标率" in stack.cli("compliance")
    year = json.loads(stack.cli("compliance", "--year", "2026", "--json"))
    assert [m["month"] for m in year][:2] == ["2026-01", "2026-02"] and all(m["target"] == 50 for m in year)
    refused(stack, "compliance", "--month", "2026-00", says="month: 月份格式应为 YYYY-MM")
