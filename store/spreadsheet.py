"""Reading a spreadsheet: checked as a file first (store/sheet_file.py), then its first
visible sheet with a recognisable header, row by row, each with the problems a person must
fix in Excel (formulas, hidden rows, merged cells). What the rows mean is the rules' part."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.worksheet.cell_range import CellRange

from messages import RuleError
from store.sheet_file import check_workbook


@dataclass
class Row:
    number: int  # the row number a person sees in Excel
    values: dict[str, str]
    problems: list[str]


@dataclass
class Table:
    name: str
    rows: list[Row]
    columns: set[str]


def _norm(text: Any) -> str:
    return "".join(str(text or "").split()).lower()


def _marks(book: Any, ws: Any) -> tuple[set[int], list[CellRange]]:
    """A read-only sheet's hidden rows and merged ranges, streamed from its XML (openpyxl's
    read-only mode, which keeps a sheet's rows out of memory, does not read them). The part
    was checked by check_workbook: no DOCTYPE or entity, its size bounded."""
    hidden: set[int] = set()
    merged: list[CellRange] = []
    number = 0
    with book._archive.open(ws._worksheet_path) as part:
        for _, element in ElementTree.iterparse(part):
            tag = element.tag.rpartition("}")[2]
            if tag == "row":
                number = int(element.get("r") or number + 1)
                if element.get("hidden") in ("1", "true"):
                    hidden.add(number)
                element.clear()  # its cells: read by openpyxl, not needed here
            elif tag == "mergeCell" and (ref := element.get("ref")):
                merged.append(CellRange(ref))
    return hidden, merged


def _value(cells: tuple[Any, ...], column: int) -> Any:
    return cells[column - 1].value if column <= len(cells) else None


def read_table(path: Path, *, headers: dict[str, tuple[str, ...]], required: tuple[str, ...],
               max_rows: int) -> Table:
    """Read the first sheet with a recognisable header (`headers`: accepted names per column,
    `required`: the columns it must have). File-level faults raise RuleError naming the file.
    Read-only (streaming): a 10,000-row sheet costs a few MiB, not forty."""
    if not path.is_file():
        raise RuleError("file_missing", field="file", value=str(path))
    check_workbook(path, max_rows=max_rows)
    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged file: each is "not a sheet we can read"
        raise RuleError("not_xlsx", field="file", value=path.name) from None
    try:
        return _first_table(book, path, headers=headers, required=required, max_rows=max_rows)
    except RuleError:
        raise
    except Exception:  # a part openpyxl cannot stream (damaged XML): not a sheet we can read
        raise RuleError("not_xlsx", field="file", value=path.name) from None
    finally:
        book.close()


def _first_table(book: Any, path: Path, *, headers: dict[str, tuple[str, ...]], required: tuple[str, ...],
                 max_rows: int) -> Table:
    wanted = {name: {_norm(h) for h in names} for name, names in headers.items()}
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue  # hidden and very hidden sheets are never read (a template's lookups, or a trick)
        for number, header_row in enumerate(ws.iter_rows(min_row=1, max_row=5), start=1):
            columns = {}
            for column, cell in enumerate(header_row, start=1):
                for name, names in wanted.items():
                    if _norm(cell.value) in names and name not in columns:
                        columns[name] = column
            if not all(r in columns for r in required):
                continue
            first = number + 1
            hidden, merged_all = _marks(book, ws)
            merged = [m for m in merged_all if m.max_row >= first]
            rows = []
            for number, cells in enumerate(ws.iter_rows(min_row=first), start=first):
                if number - first + 1 > max_rows:
                    raise RuleError("too_many_rows", field="file", value=number - first + 1, limit=max_rows)
                values, problems = {}, []
                for name, column in columns.items():
                    value = _value(cells, column)
                    if isinstance(value, str) and value.startswith("="):
                        problems.append(f"{name}: 公式不可导入，请填写值 (a formula; enter the value)")
                        value = ""
                    values[name] = str(value).strip() if value is not None else ""
                if not any(values.values()):
                    continue  # blank rows between entries are ignored
                if number in hidden:
                    problems.append("隐藏行：请取消隐藏并核对，或删除该行 (a hidden row: unhide it, or delete it)")
                for m in merged:
                    if m.min_row <= number <= m.max_row:
                        problems.append(f"合并单元格 {m.coord} (merged cells; unmerge and fill each row)")
                        break
                rows.append(Row(number, values, problems))
            if not rows:
                raise RuleError("empty_sheet", field="file", value=f"{path.name} / {ws.title}")
            return Table(ws.title, rows, set(columns))
    raise RuleError("no_header", field="file", value=path.name)
