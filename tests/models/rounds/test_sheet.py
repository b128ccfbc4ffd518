"""Spreadsheet import: every malformed sheet or row is reported precisely; nothing is
half-filed; importing the same sheet again files nothing twice; one mail per owner."""

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from messages import RuleError
from models.audit.chain import Event, verify_chain
from models.items.finding import Finding, State
from models.outbox import Notification
from models.people.directory import finding_by_code, person_by_email
from models.rounds.sheet import file_sheet, validate
from services.filing import read_sheet
from store.db import transaction
from tests.conftest import at

HEADER = ["单位", "具体表现", "问题", "问题描述", "类别", "督察员", "责任人", "编号"]
GOOD = ["zb-xinxi", "lan-1", "窗口推诿", "三次来电无人回复", "immediate", "zhou.jing@example.org", "", ""]
NOW = at("2026-11-26 10:00")


def book(path: Path, rows: list[list], *, header=HEADER, before: list[list] | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in before or []:
        ws.append(r)
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def row(**changes) -> list:
    values = dict(zip(HEADER, GOOD, strict=True))
    values.update({HEADER[["unit", "manifestation", "title", "detail", "class", "inspector", "owner", "ref"]
                          .index(k)]: v for k, v in changes.items()})
    return [values[h] for h in HEADER]


def checked(engine, path: Path):
    sheet = read_sheet(path)
    with transaction(engine) as s:
        return validate(s, sheet)


def count(engine) -> int:
    with transaction(engine) as s:
        return s.exec(select(func.count()).select_from(Finding)).one()


ROW_CASES = [
    ("unknown unit", {"unit": "zb-nowhere"}, "unit: 未知单位：zb-nowhere（相近的有："),
    ("unit fitting two", {"unit": "审批"}, "unit: “审批”可指多个：审批一处党支部、审批二处党支部"),
    ("numeric unit", {"unit": 123}, "unit: 未知单位：123"),
    ("empty unit", {"unit": ""}, "unit: 不能为空"),
    ("unknown manifestation", {"manifestation": "lan-99"}, "manifestation: 负面清单中没有此项：lan-99"),
    ("empty manifestation", {"manifestation": None}, "manifestation: 不能为空"),
    ("empty title", {"title": ""}, "title: 不能为空"),
    ("blank title", {"title": "   "}, "title: 不能为空"),
    ("title too long", {"title": "长" * 201}, "title: 过长"),
    ("detail too long", {"detail": "长" * 4001}, "detail: 过长"),
    ("bad class", {"class": "asap"}, "class: 整改类别须为 立行立改 / 限期整改 / 长期整改：asap"),
    ("empty inspector", {"inspector": ""}, "inspector: 不能为空"),
    ("unknown inspector", {"inspector": "ghost@example.org"}, "inspector: 未知人员：ghost@example.org"),
    ("inspector without the right", {"inspector": "liang.xue@example.org"},
     "inspector: liang.xue@example.org 无立项权限"),
    ("unknown owner", {"owner": "nobody@example.org"}, "owner: 未知人员：nobody@example.org"),
    ("owner not in the unit", {"owner": "黄磊"}, "owner: 信息中心党支部没有名为“黄磊”的人员"),
    ("unit without a secretary", {"unit": "ducha"}, "owner: 单位 督察处 没有支部书记，请填写责任人"),
    ("formula in title", {"title": '=HYPERLINK("http://x","点我")'}, "title: 公式不可导入"),
    ("formula in unit", {"unit": "=A1"}, "unit: 公式不可导入"),
    ("formula in detail", {"detail": "=1+1"}, "detail: 公式不可导入"),
    ("formula in inspector", {"inspector": "=B2"}, "inspector: 公式不可导入"),
]


@pytest.mark.parametrize(("case", "change", "says"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_a_bad_row_is_reported_with_its_number(engine, tmp_path, case, change, says):
    rows = [row(), row(**{"title": "第二行", **change}), row(title="第三行")]
    sheet = checked(engine, book(tmp_path / "s.xlsx", rows))
    [bad] = sheet.bad
    assert bad.number == 3, case  # the header is row 1
    assert any(says in p for p in bad.problems), bad.problems
    assert len(sheet.new) == 2


def test_inactive_inspector_and_owner(engine, tmp_path):
    with transaction(engine) as s:
        person_by_email(s, "wu.haitao@example.org").active = False
        person_by_email(s, "liang.xue@example.org").active = False
    sheet = checked(engine, book(tmp_path / "s.xlsx", [row(inspector="wu.haitao@example.org"),
                                                        row(title="b", owner="liang.xue@example.org")]))
    assert [b.number for b in sheet.bad] == [2, 3]
    assert "inspector: 人员已停用" in sheet.bad[0].problems[0] and "owner: 人员已停用" in sheet.bad[1].problems[0]


def test_merged_cells_duplicates_and_every_bad_row_reported(engine, tmp_path):
    path = tmp_path / "s.xlsx"
    book(path, [row(), row(title="合并"), row(title="合并"), row(), row(title="x", ref="R1"), row(title="y", ref="R1"),
                row(unit="zb-nowhere", manifestation="lan-99")])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active.merge_cells("A3:A4")
    wb.save(path)
    sheet = checked(engine, path)
    by_row = {b.number: b.problems for b in sheet.bad}
    assert "合并单元格 A3:A4" in by_row[3][0] and "合并单元格 A3:A4" in by_row[4][0]
    assert "与第 2 行重复" in by_row[5][0]  # the same content as row 2
    assert "与第 6 行重复" in by_row[7][0]  # the same ref as row 6
    assert len(by_row[8]) == 2  # both faults of one row
    assert sorted(by_row) == [3, 4, 5, 7, 8]


FILE_CASES = [
    ("not a zip", lambda p: p.write_text("unit,title\nzb-xinxi,x\n"), "not_xlsx"),
    ("empty file", lambda p: p.write_bytes(b""), "not_xlsx"),
    ("a zip that is not a workbook", lambda p: __import__("zipfile").ZipFile(p, "w").writestr("a.txt", "x"),
     "not_xlsx"),
    ("wrong sheet", lambda p: book(p, [["x", "y"]], header=["名称", "金额"]), "no_header"),
    ("header missing a required column", lambda p: book(p, [GOOD[:5]], header=HEADER[:5]), "no_header"),
    ("no data rows", lambda p: book(p, []), "empty_sheet"),
    ("only blank rows", lambda p: book(p, [[None] * 8, [""] * 8]), "empty_sheet"),
]


@pytest.mark.parametrize(("case", "make", "key"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_a_bad_file_is_refused_whole(engine, tmp_path, case, make, key):
    path = tmp_path / "sheet.xlsx"
    make(path)
    with pytest.raises(RuleError) as err:
        read_sheet(path)
    assert err.value.key == key, case
    assert err.value.field == "file"


def test_missing_file_and_huge_sheet(tmp_path):
    with pytest.raises(RuleError) as err:
        read_sheet(tmp_path / "none.xlsx")
    assert err.value.key == "file_missing"
    path = book(tmp_path / "big.xlsx", [row(title=f"t{i}") for i in range(101)])
    with pytest.raises(RuleError) as err:
        read_sheet(path, max_rows=100)
    assert err.value.key == "too_many_rows" and "101" in err.value.render()


def test_tolerated_layouts(engine, tmp_path):
    # A title block above the header, English headers, columns in another order, a cover sheet.
    english = ["ref", "inspector", "title", "unit", "manifestation"]
    path = book(tmp_path / "s.xlsx", [["X-1", "zhou.jing@example.org", "t", " zb-xinxi ", "lan-1"]], header=english,
                before=[["2026年11月督察问题清单"], []])
    wb = __import__("openpyxl").load_workbook(path)
    wb.create_sheet("封面", 0)["A1"] = "封面"
    wb.save(path)
    sheet = checked(engine, path)
    assert not sheet.bad and sheet.new[0].values["unit"] == "zb-xinxi" and sheet.new[0].key == "X-1"


def test_filing_is_all_new_rows_once_with_one_mail_per_owner(engine, policy, tmp_path):
    path = book(tmp_path / "s.xlsx", [row(title=f"问题{i}") for i in range(3)]
                + [row(unit="zb-zhengce", title="政策"), row(title="指定", owner="liang.xue@example.org")])
    sheet = checked(engine, path)
    with transaction(engine) as s:
        codes = file_sheet(s, sheet, now=NOW, policy=policy)
    assert len(codes) == 5
    with transaction(engine) as s:
        assert all(finding_by_code(s, c).state is State.assigned for c in codes)
        mails = s.exec(select(Notification).order_by(Notification.id)).all()
        assert sorted((m.recipient_email, len(m.context["items"])) for m in mails) == [
            ("gao.peng@example.org", 3), ("liang.xue@example.org", 1), ("yang.fan@example.org", 1)]
        assert {m.template for m in mails} == {"assigned_batch"}
        # The sheet's events were chained in one go, in order: file then assign, row by row.
        events = s.exec(select(Event).order_by(Event.seq)).all()
        assert [(e.kind, e.data["code"]) for e in events] == [(k, c) for c in codes for k in ("file", "assign")]
        assert verify_chain(s) == (10, None)
        # Rows 2-4: same unit and manifestation on one day: the later ones are recurrences.
        assert finding_by_code(s, codes[1]).recurrence_of_id == finding_by_code(s, codes[0]).id
    # The same sheet again: every row is known, nothing is filed twice.
    again = checked(engine, path)
    assert not again.new and [r.existing for r in again.rows] == codes
    with transaction(engine) as s:
        assert file_sheet(s, again, now=NOW, policy=policy) == []
    assert count(engine) == 5


def test_a_sheet_in_the_clerks_words_files_as_one_in_codes(engine, policy, tmp_path):
    """What the portal shows is what a sheet may say: the unit's name (or a part only it has),
    the manifestation's words, the class in Chinese, people by name within the unit."""
    words = book(tmp_path / "words.xlsx", [
        row(unit="政策法规处党支部", manifestation="对职责范围内的事推诿扯皮、上推下卸", title="窗口推诿",
            **{"class": "限期整改"}, inspector="周静", owner="黄磊"),
        row(unit="信息中心", manifestation="LAN-2", title="不回应", **{"class": "立行立改"}, inspector="周静",
            owner="宋 凯"),
        row(unit="审批一处党支部", manifestation="lan-1 对职责范围内的事推诿扯皮、上推下卸", title="推诿",
            **{"class": "long-term"}, inspector="zhou.jing@example.org", owner="")])
    sheet = checked(engine, words)
    assert not sheet.bad, [r.problems for r in sheet.bad]
    assert [(r.values["unit"], r.values["manifestation"], r.values["deadline_class"], r.values["owner"])
            for r in sheet.rows] == [("zb-zhengce", "lan-1", "limited", "huang.lei@example.org"),
                                     ("zb-xinxi", "lan-2", "immediate", "song.kai@example.org"),
                                     ("zb-shenpi1", "lan-1", "long", "")]
    with transaction(engine) as s:
        codes = file_sheet(s, sheet, now=NOW, policy=policy)
        first = finding_by_code(s, codes[0])
        assert first.deadline_class.value == "limited" and first.proposed_owner_id == person_by_email(
            s, "huang.lei@example.org").id
    # The same rows written in codes are the same rows: nothing is filed twice.
    in_codes = book(tmp_path / "codes.xlsx", [
        row(unit="zb-zhengce", manifestation="lan-1", title="窗口推诿", **{"class": "limited"},
            owner="huang.lei@example.org")])
    assert [r.existing for r in checked(engine, in_codes).rows] == [codes[0]]


def test_a_name_two_people_share_in_a_unit_is_refused_naming_both(engine, tmp_path):
    from models.people.org import Membership, Person, Role, Unit

    with transaction(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == "zb-zhengce")).one()
        twin = Person(email="huang.lei2@example.org", name="黄磊")
        s.add(twin)
        s.flush()
        s.add(Membership(person_id=twin.id, unit_id=unit.id, role=Role.owner))
    path = book(tmp_path / "s.xlsx", [row(unit="政策法规处", owner="黄磊")])
    sheet = checked(engine, path)
    assert sheet.bad[0].problems == [
        "owner: “黄磊”可指多个：huang.lei2@example.org、huang.lei@example.org（请写全称或代码）"]
    with transaction(engine) as s:  # in one language, the reader's: English for an English bureau
        english = validate(s, read_sheet(path), language="en")
    assert english.bad[0].problems == [
        "owner: “黄磊” fits several: huang.lei2@example.org, huang.lei@example.org (give the full name or code)"]


def test_a_failure_midway_files_nothing(engine, policy, tmp_path):
    sheet = checked(engine, book(tmp_path / "s.xlsx", [row(title=f"问题{i}") for i in range(4)]))
    sheet.new[2].values["unit"] = "ducha"  # passes the row checks, but has no secretary to own it
    with pytest.raises(RuleError), transaction(engine) as s:
        file_sheet(s, sheet, now=NOW, policy=policy)
    assert count(engine) == 0
