"""The round's Excel checklist for one inspector: a row per (unit, negative-list item), to
mark 合格 / 不合格 and describe each problem found."""

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

HEADER = ["单位", "单位名称", "具体表现", "检查项", "结果", "问题", "问题描述", "类别", "督察员"]


def checklist_workbook(context: dict[str, Any]) -> bytes:
    book = Workbook()
    ws = book.create_sheet()  # a sheet of our own: `book.active` may be none, as typed
    book.remove(book.worksheets[0])
    ws.title = f"{context['month']} 督察清单"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for unit in context["units"]:
        for item in context["checklist"]:
            ws.append([unit["code"], unit["name"], item["id"], item["title_zh"], "", "", "", item["class"],
                       context["inspector"]])
    verdict = DataValidation(type="list", formula1='"合格,不合格"', allow_blank=True)
    ws.add_data_validation(verdict)
    verdict.add(f"E2:E{ws.max_row}")
    for col, width in zip("ABCDEFGHI", (14, 18, 10, 44, 8, 24, 40, 10, 26), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    out = BytesIO()
    book.save(out)
    return out.getvalue()
