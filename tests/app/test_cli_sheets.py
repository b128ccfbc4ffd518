"""`rectiflow import` and `rectiflow ledger --export` as a user runs them."""

import json

from openpyxl import load_workbook
from sqlalchemy import update

from models.items.finding import Finding
from store.db import transaction
from tests.app.test_cli import refused
from tests.mail import wait_for_mail
from tests.models.rounds.test_sheet import book, row
from tests.stack import Stack


def test_import_files_assigns_and_mails_each_owner_once(stack: Stack, tmp_path):
    rows = [row(title="推诿一"), row(title="推诿二"), row(unit="zb-zhengce", title="文山")]
    path = book(tmp_path / "十一月督察.xlsx", rows)
    out = stack.cli("import", str(path))
    assert "3 项已立项并交办" in out and "已启动案件流程：3" in out
    mails = wait_for_mail(stack.sink, 2)
    assert sorted(m["To"] for m in mails) == ["gao.peng@example.org", "yang.fan@example.org"]
    gao = next(m for m in mails if m["To"] == "gao.peng@example.org")
    assert gao["Subject"] == "【整改交办】2 项整改事项交由您负责"
    assert [p.get_filename() for p in gao.walk() if p.get_filename()] == ["deadlines.ics"]
    codes = [r["code"] for r in json.loads(stack.cli("ledger", "--json"))]
    for code in codes:
        assert stack.step(code).state.name == "Suspended"
    assert len(list(stack.sink.folder.glob("*.eml"))) == 2  # the case passes add no mail of their own
    again = stack.cli("import", str(path))
    assert "0 项已立项" in again
    assert len(json.loads(stack.cli("ledger", "--json"))) == 3


def test_bad_sheet_files_nothing_and_says_where(stack: Stack, tmp_path):
    path = book(tmp_path / "s.xlsx", [row(), row(title="x", unit="zb-nowhere"), row(title="y", manifestation="zz-1")])
    refused(stack, "import", str(path), says="3")
    refused(stack, "import", str(path), says="未知单位：zb-nowhere")
    refused(stack, "import", str(path), "--dry-run", says="未导入任何事项")
    (tmp_path / "notes.xlsx").write_text("这不是表格")
    refused(stack, "import", str(tmp_path / "notes.xlsx"), says="file: 不是有效的 Excel（.xlsx）文件：notes.xlsx")
    from typer.testing import CliRunner

    from app.cli import app

    result = CliRunner().invoke(app, ["import", str(path), "--skip-bad"])
    assert result.exit_code == 2 and "1 项已立项并交办" in result.stdout  # filed the good row, flagged the rest
    assert len(json.loads(stack.cli("ledger", "--json"))) == 1


def test_dry_run_changes_nothing(stack: Stack, tmp_path):
    out = stack.cli("import", str(book(tmp_path / "s.xlsx", [row(), row(title="二")])), "--dry-run")
    assert "试运行：2 项可导入" in out
    assert json.loads(stack.cli("ledger", "--json")) == []


def test_export_is_a_real_ledger_workbook(stack: Stack, tmp_path):
    # Text Excel would evaluate (a leading @, -, +; a leading = cannot even be imported).
    stack.cli("import", str(book(tmp_path / "s.xlsx", [row(title='@HYPERLINK("http://evil")'),
                                                        row(title="正常", detail="-2+3")])))
    with transaction(stack.engine) as s:
        s.execute(update(Finding).where(Finding.id == 2).values(escalation_level=3))
    stack.cli("ledger", "--export", str(tmp_path / "台账.xlsx"))
    ws = load_workbook(tmp_path / "台账.xlsx").active
    assert ws.title == "整改台账" and ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:T3"
    assert [c.value for c in ws[1]][:3] == ["编号", "状态", "单位"] and ws["J1"].value == "签收时间"
    assert ws["E2"].value.startswith("'@HYPERLINK") and ws["F3"].value == "'-2+3"
    assert ws["P3"].value == 3 and ws["Q3"].value == "红" and ws["J3"].value is None  # not signed for
    # Each row takes its colour's fill from one conditional format per colour, on the colour column.
    rules = {r.formula[0]: r.dxf.fill.fgColor.rgb for cf in ws.conditional_formatting for r in cf.rules}
    assert rules['$Q2="红"'].endswith("F8D0D0") and rules['$Q2="蓝"'].endswith("DCE8F7")
    assert {str(cf.sqref) for cf in ws.conditional_formatting} == {"A2:T3"}
    refused(stack, "ledger", "--export", str(tmp_path / "台账.csv"), says="export: 不是有效的 Excel")


def test_an_imports_mail_waiting_on_the_relay_shows_on_its_items(stack: Stack, tmp_path, monkeypatch):
    # B22: a sheet's mail is one per owner, tied to no single item: while it waits (or fails) the
    # items it lists say so in `show`, `show --json` and the ledger (✉!).
    from tests.mail import free_port

    monkeypatch.setenv("RECTIFLOW_SMTP_PORT", str(free_port()))  # the relay is down
    from store.settings import get_settings

    get_settings.cache_clear()
    out = stack.cli("import", str(book(tmp_path / "sheet.xlsx", [row(title="推诿一"), row(title="推诿二"),
                                                                  row(unit="zb-zhengce", title="文山")])))
    assert "3 项已立项并交办" in out
    views = {v["code"]: v for v in json.loads(stack.cli("ledger", "--json"))}
    assert len(views) == 3 and all(v["mail_waiting"] == 1 and v["mail_failed"] == 0 for v in views.values())
    code = sorted(views)[0]
    assert json.loads(stack.cli("show", code, "--json"))["mail_waiting"] == 1
    assert "1 封待重发" in stack.cli("show", code)
    assert sum("✉" in line for line in stack.cli("ledger").splitlines()) == 3


def test_the_template_filled_in_the_clerks_words_imports_without_an_edit(stack: Stack, tmp_path):
    template = tmp_path / "立项表.xlsx"
    assert "模板已写入" in stack.cli("import", "--template", str(template))
    book = load_workbook(template)
    sheet, lists = book["立项表"], book["lists"]
    assert book.sheetnames[0] == "立项表" and sheet.freeze_panes == "A2" and lists.sheet_state == "hidden"
    assert [c.value for c in sheet[1]] == ["单位", "具体表现", "问题", "问题描述", "类别", "督察员", "责任人", "编号"]
    assert "必填" in sheet["A1"].comment.text and "选填" in sheet["G1"].comment.text
    offered = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert offered["A2:A501"] == "=lists!$A$2:$A$6" and offered["E2:E501"] == "=lists!$E$2:$E$4"
    column = {c: [cell.value for cell in lists[c][1:] if cell.value] for c in "ABEF"}
    assert "政策法规处党支部" in column["A"] and column["E"] == ["立行立改", "限期整改", "长期整改"]
    assert "周静" in column["F"]
    # The clerk picks from each list and types names; the example sheet stays as it came.
    lan2 = next(v for v in [c.value for c in lists["B"][1:]] if str(v).startswith("lan-2 "))
    sheet.append(["政策法规处党支部", lan2, "群众诉求三天未回复", "12345 转办件", "立行立改", "周静", "黄磊", ""])
    sheet.append(["信息中心党支部", lan2, "系统报修无人应答", "", "", "周静", "", ""])
    book.save(template)
    out = stack.cli("import", str(template))
    assert "2 项已立项并交办" in out
    items = json.loads(stack.cli("ledger", "--json"))
    assert sorted((i["unit"], i["owner_email"]) for i in items) == [
        ("信息中心党支部", "gao.peng@example.org"), ("政策法规处党支部", "huang.lei@example.org")]


def test_file_by_names_and_an_unknown_unit_names_the_nearest(stack: Stack):
    code = stack.cli("file", "--unit", "政策法规处", "--manifestation", "lan-1", "--title", "推诿",
                     "--class", "限期整改", "--owner", "徐敏", "--as", "zhou.jing@example.org").split()[0]
    shown = json.loads(stack.cli("show", code, "--json"))
    assert shown["unit"] == "政策法规处党支部" and shown["deadline_class"] == "limited"
    refused(stack, "file", "--unit", "政策法规党支部", "--manifestation", "lan-1", "--title", "x",
            "--as", "zhou.jing@example.org", says="unit: 未知单位：政策法规党支部（相近的有：政策法规处党支部")
    refused(stack, "file", "--unit", "审批", "--manifestation", "lan-1", "--title", "x",
            "--as", "zhou.jing@example.org", says="“审批”可指多个：审批一处党支部、审批二处党支部")
