"""The ledger (整改台账) as an Excel workbook: every field, a fill per escalation colour,
frozen header, filters. User text can never become a formula in the reader's Excel."""

from collections.abc import Callable
from io import BytesIO
from operator import attrgetter
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from messages import labels
from models.ledger.views import ItemView
from models.text import scrub

Getter = str | Callable[[Any, str], Any]
COLUMNS: list[tuple[str, str, Getter, int]] = [  # (zh, en, attribute or function of the view and the language, width)
    ("编号", "Code", "code", 18), ("状态", "State", "state_label", 9), ("单位", "Unit", "unit", 18),
    ("具体表现", "Manifestation", lambda v, _: f"{v.manifestation_id} {v.manifestation}", 36),
    ("问题", "Problem", "title", 30), ("问题描述", "Detail", "detail", 40),
    ("整改类别", "Class", "deadline_class_label", 10), ("责任人", "Owner", "owner", 10),
    ("责任人邮箱", "Owner email", "owner_email", 26), ("签收时间", "Acknowledged", "acknowledged", 17),
    ("立项时间", "Filed", lambda v, _: v.filed_at.strftime("%Y-%m-%d"), 12),
    ("原定期限", "Original due", "original_due_on", 12), ("当前期限", "Due", "due_on", 12),
    ("暂定", "Provisional", lambda v, lang: ("是" if lang == "zh" else "yes") if v.due_provisional else "", 6),
    ("剩余工作日", "Working days left", "working_days_left", 10), ("督办级别", "Level", "escalation_level", 8),
    ("颜色", "Colour", lambda v, lang: labels.colour_label(v.colour, lang), 8),
    ("延期次数", "Extensions", "extensions", 8),
    ("反弹（前次）", "Recurrence of", "recurrence_of", 18), ("分解自", "Split from", "parent", 18),
]
FILLS = labels.FILLS
COLOUR_COLUMN = next(i for i, c in enumerate(COLUMNS, start=1) if c[0] == "颜色")  # the rows' fill follows it
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """Neutralise formula injection (text that Excel would evaluate is kept as text), and drop
    characters a workbook cannot hold, so no row can break the export for everyone."""
    if isinstance(value, str):
        value = scrub(value)
        if value.startswith(DANGEROUS):
            return "'" + value
    return value


def ledger_workbook(views: list[ItemView], *, language: str = "zh") -> bytes:
    """Streamed (openpyxl write-only): rows are plain values, written as they come; the colour
    of a row is a conditional format on its colour column (one rule per colour), not a
    style on each cell — styling cells one by one was most of a 20,000-row notice's time."""
    book = Workbook(write_only=True)
    ws = book.create_sheet("整改台账" if language == "zh" else "Ledger")
    for i, (_, _, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold, wrap = Font(bold=True), Alignment(vertical="center", wrap_text=True)
    header = []
    for zh, en, _, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=zh if language == "zh" else en)
        cell.font, cell.alignment = bold, wrap
        header.append(cell)
    ws.append(header)
    getters = [(lambda v, g=get: g(v, language)) if callable(get) else attrgetter(get) for _, _, get, _ in COLUMNS]
    rows = 1
    for view in views:
        # An empty field is no cell at all (openpyxl writes nothing for None): a fifth of the cells.
        ws.append([safe(value) if (value := get(view)) is not None and value != "" else None for get in getters])
        rows += 1
    last = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A1:{last}{rows}"
    colour = get_column_letter(COLOUR_COLUMN)
    for name, fill in FILLS.items() if rows > 1 else ():  # no item, no range to colour ("A2:X1" is no range)
        ws.conditional_formatting.add(f"A2:{last}{rows}", FormulaRule(  # type: ignore[no-untyped-call]  # untyped in types-openpyxl
            formula=[f'${colour}2="{labels.colour_label(name, language)}"'],
            fill=PatternFill("solid", start_color=fill, end_color=fill)))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
