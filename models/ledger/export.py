"""The ledger (整改台账) as an Excel workbook: every field, a fill per escalation colour,
frozen header, filters. User text can never become a formula in the reader's Excel."""

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from messages import labels
from models.ledger.views import ItemView
from models.text import scrub

COLUMNS = [  # (zh, en, attribute or function, width)
    ("编号", "Code", "code", 18), ("状态", "State", "state_label", 9), ("单位", "Unit", "unit", 18),
    ("具体表现", "Manifestation", lambda v: f"{v.manifestation_id} {v.manifestation}", 36),
    ("问题", "Problem", "title", 30), ("问题描述", "Detail", "detail", 40),
    ("整改类别", "Class", "deadline_class_label", 10), ("责任人", "Owner", "owner", 10),
    ("责任人邮箱", "Owner email", "owner_email", 26),
    ("立项时间", "Filed", lambda v: v.filed_at.strftime("%Y-%m-%d"), 12),
    ("原定期限", "Original due", "original_due_on", 12), ("当前期限", "Due", "due_on", 12),
    ("暂定", "Provisional", lambda v: "是" if v.due_provisional else "", 6),
    ("剩余工作日", "Working days left", "working_days_left", 10), ("督办级别", "Level", "escalation_level", 8),
    ("颜色", "Colour", "colour", 8), ("延期次数", "Extensions", "extensions", 8),
    ("反弹（前次）", "Recurrence of", "recurrence_of", 18),
]
FILLS = labels.FILLS
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
    book = Workbook()
    ws = book.active
    ws.title = "整改台账" if language == "zh" else "Ledger"
    ws.append([zh if language == "zh" else en for zh, en, _, _ in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for number, view in enumerate(views, start=2):
        row = []
        for _, _, get, _ in COLUMNS:
            value = get(view) if callable(get) else getattr(view, get)
            row.append(safe(value if value is not None else ""))
        ws.append(row)
        if view.colour in FILLS:
            fill = PatternFill("solid", fgColor=FILLS[view.colour])
            for column in range(1, len(COLUMNS) + 1):  # ws[ws.max_row] would rescan the sheet each row
                ws.cell(number, column).fill = fill
    for i, (_, _, _, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = BytesIO()
    book.save(out)
    return out.getvalue()
