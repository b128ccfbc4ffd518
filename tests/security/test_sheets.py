"""Sheets an attacker or an unlucky inspector might import: hidden parts, huge or bomb-like
files, XML with DOCTYPE and entities, control characters, formulas. Every one is refused
with the file or row named, and nothing is filed."""

import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from messages import RuleError
from models.rounds.sheet import validate
from services.filing import read_sheet
from store.db import transaction
from tests.models.rounds.test_sheet import GOOD, HEADER, book, row
from tests.security.ledger_state import fingerprint


def rewrite(path: Path, member: str, change) -> Path:
    """Rewrite one part of an .xlsx (as a hand-crafted attack would)."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts[member] = change(parts[member])
    out = path.with_name("crafted-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


def test_a_hidden_sheet_is_never_read(tmp_path):
    wb = Workbook()
    hidden = wb.active
    hidden.title = "藏"
    hidden.append(HEADER)
    hidden.append(row(title="藏起来的问题"))
    hidden.sheet_state = "hidden"
    visible = wb.create_sheet("十一月")
    visible.append(HEADER)
    visible.append(row(title="看得见的问题"))
    wb.save(tmp_path / "a.xlsx")
    sheet = read_sheet(tmp_path / "a.xlsx")
    assert sheet.name == "十一月" and [r.values["title"] for r in sheet.rows] == ["看得见的问题"]


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_workbook_whose_only_list_is_hidden_files_nothing(tmp_path, state):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(row())
    wb.create_sheet("说明").append(["见隐藏表"])
    ws.sheet_state = state
    wb.save(tmp_path / "a.xlsx")
    with pytest.raises(RuleError) as refused:
        read_sheet(tmp_path / "a.xlsx")
    assert refused.value.key == "no_header"


def test_a_hidden_row_is_a_bad_row(sqlite_engine, tmp_path):
    path = book(tmp_path / "a.xlsx", [row(title="一"), row(title="二"), row(title="三")])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.active.row_dimensions[3].hidden = True
    wb.save(path)
    sheet = read_sheet(path)
    assert [r.number for r in sheet.rows if r.problems] == [3]
    assert "隐藏行" in sheet.rows[1].problems[0]


@pytest.mark.parametrize("payload", [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    b'<!DOCTYPE x SYSTEM "file:///etc/passwd">',
    b'<!ENTITY xxe SYSTEM "http://127.0.0.1/">',
])
@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_xml_with_doctype_or_entities_is_refused_not_a_traceback(tmp_path, payload, member):
    path = book(tmp_path / "a.xlsx", [row()])
    crafted = rewrite(path, member, lambda xml: xml.replace(b"?>", b"?>" + payload, 1) if b"?>" in xml[:200]
                      else payload + xml)
    with pytest.raises(RuleError) as refused:
        read_sheet(crafted)
    assert refused.value.key == "sheet_xml" and refused.value.field == "file"
    assert "crafted-a.xlsx" in refused.value.render("en")


@pytest.mark.parametrize("damage", [
    lambda xml: xml[: len(xml) // 2],  # cut off
    lambda xml: xml.replace(b"<sheetData>", b"<sheetData><row><c r='A1' t='s'><v>99999</v></c></row>"),
    lambda xml: b"\xff\xfe garbage",
])
def test_a_damaged_sheet_is_a_refusal(tmp_path, damage):
    path = book(tmp_path / "a.xlsx", [row()])
    with pytest.raises(RuleError) as refused:
        read_sheet(rewrite(path, "xl/worksheets/sheet1.xml", damage))
    assert refused.value.key in ("not_xlsx", "no_header") and refused.value.field == "file"


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 broken", b"not a zip at all", b"\x00" * 100])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    with pytest.raises(RuleError) as refused:
        read_sheet(path)
    assert refused.value.key == "not_xlsx"


def test_a_bomb_sheet_is_refused_before_it_is_inflated(tmp_path):
    """A small file whose sheet unpacks to hundreds of MiB: refused from the zip's directory."""
    path = book(tmp_path / "a.xlsx", [row()])
    pad = b"<!-- " + b" " * (200 * 2**20) + b" -->"
    crafted = rewrite(path, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(b"<sheetData>", pad + b"<sheetData>"))
    assert crafted.stat().st_size < 2 * 2**20
    with pytest.raises(RuleError) as refused:
        read_sheet(crafted)
    assert refused.value.key == "sheet_too_big"


def test_too_many_rows_are_refused_while_streaming(tmp_path):
    import time

    path = tmp_path / "big.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADER)
    for i in range(25_000):
        ws.append([*GOOD[:2], f"问题{i}", *GOOD[3:]])
    wb.save(path)
    t = time.perf_counter()
    with pytest.raises(RuleError) as refused:
        read_sheet(path)
    assert refused.value.key == "too_many_rows" and time.perf_counter() - t < 3


def shared_string(path: Path, placeholder: str, value: str) -> Path:
    """Move the cell holding `placeholder` into a shared-strings table, as Excel writes cells,
    with `value` (raw XML text: Excel's `_x000B_` escapes included) in its place."""
    import re

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    cell = re.compile(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>' + placeholder.encode() + rb"[^<]*</t></is></c>")
    parts["xl/worksheets/sheet1.xml"] = cell.sub(rb'<c r="\1" t="s"><v>0</v></c>', parts["xl/worksheets/sheet1.xml"])
    parts["xl/sharedStrings.xml"] = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                                     f'uniqueCount="1"><si><t>{value}</t></si></sst>').encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'sharedStrings" Target="sharedStrings.xml"/></Relationships>'))
    out = path.with_name("shared-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


@pytest.mark.parametrize("field,text", [("title", "窗口_x000B_推诿"), ("detail", "a_x0000_b"),
                                        ("unit", "zb-xinxi_x001B_"), ("title", "第一行_x000A_第二行"),
                                        ("inspector", "zhou.jing@example.org_x0007_"),
                                        ("title", "窗口\u202e推诿")])
def test_control_characters_in_a_sheet_are_bad_rows(sqlite_engine, tmp_path, field, text):
    """Excel writes a control character as `_x000B_` (openpyxl hands it over as that text, and
    Excel turns our export's copy back into the character): refused, like the character."""
    path = book(tmp_path / "a.xlsx", [row(**{field: "CTRL"}), row(title="好的一行")])
    crafted = shared_string(path, "CTRL", text)
    before = fingerprint(sqlite_engine)
    sheet = read_sheet(crafted)
    with transaction(sqlite_engine) as s:
        validate(s, sheet)
    assert [r.number for r in sheet.bad] == [2], [r.values for r in sheet.rows]
    assert any(p.startswith(f"{field}:") for p in sheet.bad[0].problems), sheet.bad[0].problems
    assert fingerprint(sqlite_engine) == before


@pytest.mark.parametrize("formula", ["=1+1", "=HYPERLINK(\"http://evil\",\"x\")", "=cmd|' /C calc'!A0"])
def test_formulas_are_refused_as_values(sqlite_engine, tmp_path, formula):
    path = book(tmp_path / "a.xlsx", [row(title=formula)])
    sheet = read_sheet(path)
    assert sheet.rows[0].problems and "公式" in sheet.rows[0].problems[0]
