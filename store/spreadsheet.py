"""Reading a spreadsheet: checked as a file first (store/sheet_file.py), then its first
visible sheet with a recognisable header, row by row, each with the problems a person must
fix in Excel (formulas, hidden rows, merged cells). What the rows mean is the rules' part."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

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


def read_table(path: Path, *, headers: dict[str, tuple[str, ...]], required: tuple[str, ...],
               max_rows: int) -> Table:
    """Read the first sheet with a recognisable header (`headers`: accepted names per column,
    `required`: the columns it must have). File-level faults raise RuleError naming the file."""
    if not path.is_file():
        raise RuleError("file_missing", field="file", value=str(path))
    check_workbook(path, max_rows=max_rows)
    try:
        book = load_workbook(path, read_only=False, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged file: each is "not a sheet we can read"
        raise RuleError("not_xlsx", field="file", value=path.name) from None
    wanted = {name: {_norm(h) for h in names} for name, names in headers.items()}
    for ws in book.worksheets:
        if ws.sheet_state != "visible":
            continue  # hidden and very hidden sheets are never read (a template's lookups, or a trick)
        for header_row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 5)):
            columns = {}
            for cell in header_row:
                for name, names in wanted.items():
                    if _norm(cell.value) in names and name not in columns:
                        columns[name] = cell.column
            if not all(r in columns for r in required):
                continue
            first = header_row[0].row + 1
            if ws.max_row - first + 1 > max_rows:
                raise RuleError("too_many_rows", field="file", value=ws.max_row - first + 1, limit=max_rows)
            merged = [m for m in ws.merged_cells.ranges if m.max_row >= first]
            rows = []
            for cells in ws.iter_rows(min_row=first, max_row=ws.max_row):
                number = cells[0].row
                values, problems = {}, []
                for name, column in columns.items():
                    cell = cells[column - 1]
                    value = cell.value
                    if isinstance(value, str) and value.startswith("="):
                        problems.append(f"{name}: 公式不可导入，请填写值 (a formula; enter the value)")
                        value = ""
                    values[name] = str(value).strip() if value is not None else ""
                if not any(values.values()):
                    continue  # blank rows between entries are ignored
                if ws.row_dimensions[number].hidden:
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
