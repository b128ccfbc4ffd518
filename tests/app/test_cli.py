"""The CLI contract: happy paths, and refusals that name the field, exit 2, change nothing."""

import json

import pytest
from sqlalchemy import update
from sqlmodel import func, select

from models.audit.chain import Event
from models.items.finding import Finding
from store.db import transaction
from tests.stack import Stack

INSPECTOR, OWNER, MEMBER = "zhou.jing@example.org", "gao.peng@example.org", "liang.xue@example.org"


def file(stack: Stack, **kw: str) -> str:
    args = {"--unit": "zb-xinxi", "--manifestation": "lan-1", "--title": "推诿扯皮", "--as": INSPECTOR, **kw}
    return stack.cli("file", *[x for kv in args.items() for x in kv]).strip()


def snapshot(stack: Stack) -> tuple[int, int, list[tuple[str, str, int]]]:
    with transaction(stack.engine) as s:
        findings = s.exec(select(Finding).order_by(Finding.id)).all()
        return (len(findings), s.exec(select(func.count()).select_from(Event)).one(),
                [(f.code, f.state.value, f.version) for f in findings])


def refused(stack: Stack, *args: str, says: str) -> None:
    before = snapshot(stack)
    from typer.testing import CliRunner

    from app.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert snapshot(stack) == before


def test_file_prints_the_code_and_show_describes_it(stack: Stack):
    code = file(stack, **{"--class": "limited", "--detail": "三次来电无人回复"})
    assert code == "ZG-2026-11-0001" or code.startswith("ZG-")
    stack.step(code)
    data = json.loads(stack.cli("show", code, "--json"))
    assert data["state"] == "assigned" and data["owner_email"] == OWNER
    assert data["deadline_class"] == "limited" and data["working_days_left"] > 0
    assert data["escalation_level"] == 0 and [e["kind"] for e in data["events"]] == ["file", "assign"]
    human = stack.cli("show", code)
    assert "整改中" in human and "高鹏" in human
    rows = json.loads(stack.cli("ledger", "--json"))
    assert [r["code"] for r in rows] == [code]
    assert code in stack.cli("ledger")


def test_ledger_reads_whole_at_80_columns_and_as_a_table_when_wide(stack: Stack, monkeypatch):
    from rich.cells import cell_len

    from app import output

    code = file(stack, **{"--title": "十二三四五六七八九十的很长的问题标题不能被截断"})
    stack.step(code)
    monkeypatch.setattr(output.out, "_width", 80)
    narrow = stack.cli("ledger")
    assert max(cell_len(line) for line in narrow.splitlines()) <= 80
    assert "十二三四五六七八九十的很长的问题标题不能被截断" in narrow and "…" not in narrow  # nothing cut
    assert "信息中心党支部，责任人 高鹏，整改期限" in narrow
    monkeypatch.setattr(output.out, "_width", 160)
    wide = stack.cli("ledger")
    assert "┃ 编号" in wide and "信息中心党支部" in wide


@pytest.mark.parametrize(("args", "says"), [
    (["--unit", "nowhere"], "unit: 未知单位：nowhere"),
    (["--manifestation", "lan-42"], "manifestation: 负面清单中没有此项：lan-42"),
    (["--class", "asap"], "class: 整改类别须为"),
    (["--title", " "], "title: 不能为空"),
    (["--as", MEMBER], "as: liang.xue@example.org 无权执行“立项”（需要：督察员、机关党委、管理员）"),
    (["--as", "stranger@example.org"], "as: 未知人员：stranger@example.org"),
    (["--owner", "ghost@example.org"], "owner: 未知人员"),
])
def test_file_refusals(stack: Stack, args, says):
    base = {"--unit": "zb-xinxi", "--manifestation": "lan-1", "--title": "推诿扯皮", "--as": INSPECTOR}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    refused(stack, "file", *[x for kv in base.items() for x in kv], says=says)


def test_command_refusals(stack: Stack, tmp_path):
    code = file(stack)
    stack.step(code)
    refused(stack, "submit", "ZG-2099-01-0001", "--as", OWNER, "--note", "x", says="code: 未找到整改事项")
    refused(stack, "submit", code, "--as", MEMBER, "--note", "x", says="无权执行“提交整改材料”")
    refused(stack, "submit", code, "--as", OWNER, "--note", "x", "--file", str(tmp_path / "nope.pdf"),
            says="file: 文件不存在")
    refused(stack, "review", code, "--as", INSPECTOR, "--accept", says="不能验收销号")
    refused(stack, "withdraw", code, "--as", INSPECTOR, "--reason", "", says="reason: 不能为空")
    refused(stack, "withdraw", code, "--as", OWNER, "--reason", "不想改", says="无权执行“撤销”")
    refused(stack, "reassign", code, "--to", "ghost@example.org", "--as", OWNER, says="to: 未知人员")
    stack.cli("submit", code, "--as", OWNER, "--note", "已整改")
    stack.step(code)
    refused(stack, "review", code, "--as", INSPECTOR, says="--accept | --return: 不能为空")
    refused(stack, "review", code, "--as", INSPECTOR, "--accept", "--return", "x",
            says="--accept | --return: 二者只能选其一")
    refused(stack, "review", code, "--as", INSPECTOR, "--return", "不全", "--due", "2026-13-01",
            says="due: 日期格式应为 YYYY-MM-DD")
    refused(stack, "review", code, "--as", INSPECTOR, "--return", "  ", says="reason: 不能为空")
    refused(stack, "review", code, "--as", OWNER, "--accept", says="无权执行“验收销号”")
    stack.cli("review", code, "--as", INSPECTOR, "--accept")
    assert json.loads(stack.cli("show", code, "--json"))["state"] == "closed"


def test_reassign_and_withdraw(stack: Stack):
    code = file(stack)
    stack.step(code)
    stack.cli("reassign", code, "--to", MEMBER, "--as", OWNER, "--reason", "具体经办人")
    stack.step(code)
    assert json.loads(stack.cli("show", code, "--json"))["owner_email"] == MEMBER
    stack.cli("withdraw", code, "--as", INSPECTOR, "--reason", "重复立项")
    assert stack.step(code).state.is_completed()


def test_org_load_reports_every_bad_row(stack: Stack, tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text("people:\n  - {email: a@example.org, name: A, roles: [{unit: zz, role: owner}]}\n"
                   "  - {email: b@example.org, roles: []}\n", encoding="utf-8")
    refused(stack, "org", "load", str(bad), says="people[1].roles[1]: unknown unit 'zz'")
    refused(stack, "org", "load", str(bad), says="people[2]: needs 'email' and 'name'")
    refused(stack, "org", "load", str(tmp_path / "missing.yaml"), says="file: 文件不存在")
    good = tmp_path / "more.yaml"
    good.write_text("people:\n  - {email: new.one@example.org, name: 新同志, roles: [{unit: zb-xinxi, role: owner}]}\n",
                    encoding="utf-8")
    assert "1 people" in stack.cli("org", "load", str(good))


def test_audit_verify_fails_on_tampering(stack: Stack):
    code = file(stack)
    stack.step(code)
    assert "intact and anchored: 2 events" in stack.cli("audit", "verify")
    with transaction(stack.engine) as s:
        s.execute(update(Event).where(Event.seq == 1).values(data={"title": "改过的"}))
    from typer.testing import CliRunner

    from app.cli import app

    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "审计链在第 1 条记录处断裂" in result.stderr


def test_calendar_override_makes_a_provisional_year_known(stack: Stack):
    stack.cli("calendar", "set", "2027-01-04", "--holiday", "--note", "假设放假")
    refused(stack, "calendar", "set", "2027-02-30", "--workday", says="day: 日期格式应为 YYYY-MM-DD")
    from models.deadlines.calendar import WorkCalendar

    with transaction(stack.engine) as s:
        assert WorkCalendar.from_session(s).is_workday(__import__("datetime").date(2027, 1, 4)) is False
