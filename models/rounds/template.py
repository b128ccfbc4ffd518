"""The sheet a clerk fills in to file findings (立项表): the bureau's own units,
manifestations, classes and inspectors as drop-down lists, a frozen header with a note on
each column, and a second sheet with what each column takes and an example. What it offers
is what the import reads (models/words.py): a sheet filled from it imports without an edit."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from messages.labels import CLASSES
from models.catalogue import Manifestation
from models.people.org import Person, Unit

ROWS = 500  # rows offered with drop-down lists (more may be typed)
HEADER_FILL = PatternFill("solid", fgColor="DCE8F7")
# (header as the import reads it, required, width, what it takes)
COLUMNS = [
    ("单位", True, 22, "被检查的党支部：从下拉列表选择（也可填写单位代码）"),
    ("具体表现", True, 48, "负面清单中的具体表现：从下拉列表选择（也可只填编号，如 lan-1）"),
    ("问题", True, 30, "发现的问题，一句话，最多 200 字"),
    ("问题描述", False, 40, "问题的经过和依据，最多 4000 字；可不填"),
    ("类别", False, 12, "立行立改 / 限期整改 / 长期整改；不填则按负面清单的默认类别"),
    ("督察员", True, 14, "立项的督察员：姓名或邮箱"),
    ("责任人", False, 14, "整改责任人：本单位人员的姓名或邮箱；不填则交支部书记"),
    ("编号", False, 14, "本表内的编号（可不填）：同一编号再次导入不会重复立项"),
]


def _manifestation_words(m: Manifestation) -> str:
    return f"{m.id} {m.title_zh}"


def findings_template(*, units: list[Unit], manifestations: list[Manifestation], inspectors: list[Person]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "立项表"
    lists = book.create_sheet("lists")
    lists.sheet_state = "hidden"  # the drop-downs' sources; the import never reads a hidden sheet
    sources = {
        "单位": [u.name for u in units],
        "具体表现": [_manifestation_words(m) for m in manifestations],
        "类别": [zh for zh, _ in CLASSES.values()],
        "督察员": [p.name for p in inspectors],
    }
    for column, (header, required, width, note) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(column)
        cell = sheet.cell(row=1, column=column, value=header)
        cell.font = Font(bold=True, color="B4121B" if required else "000000")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        cell.comment = Comment(("必填。" if required else "选填。") + note, "rectiflow")
        sheet.column_dimensions[letter].width = width
        values = sources.get(header)
        if values:
            lists.cell(row=1, column=column, value=header)
            for i, value in enumerate(values, start=2):
                lists.cell(row=i, column=column, value=value)
            check = DataValidation(type="list", formula1=f"=lists!${letter}$2:${letter}${len(values) + 1}",
                                   allow_blank=True, showErrorMessage=header in ("单位", "具体表现", "类别"))
            check.errorTitle, check.error = "不在列表中", f"请从下拉列表选择{header}"
            check.promptTitle, check.prompt = header, note[:250]
            check.showInputMessage = True
            sheet.add_data_validation(check)
            check.add(f"{letter}2:{letter}{ROWS + 1}")
    sheet.freeze_panes = "A2"
    _notes(book, units, manifestations, inspectors)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _notes(book: Workbook, units: list[Unit], manifestations: list[Manifestation], inspectors: list[Person]) -> None:
    """What each column takes, and an example row, written down (not across) so the import
    never takes this sheet for the one to read."""
    notes = book.create_sheet("填写说明")
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 12, 70
    notes.column_dimensions["C"].width = 40
    notes.append(["填写说明", "在“立项表”中每行填写一个问题；红色列名为必填。导入：rectiflow import 文件名.xlsx"])
    notes["A1"].font = Font(bold=True)
    notes.append([])
    notes.append(["列", "填写要求", "示例"])
    example = [units[0].name if units else "", _manifestation_words(manifestations[0]) if manifestations else "",
               "窗口人员对群众咨询推诿", "群众反映三次来电无人回复", "立行立改",
               inspectors[0].name if inspectors else "", "", ""]
    for (header, required, _, note), value in zip(COLUMNS, example, strict=True):
        notes.append([header, ("【必填】" if required else "【选填】") + note, value])
    for row in notes.iter_rows(min_row=3, max_row=3):
        for cell in row:
            cell.font, cell.fill = Font(bold=True), HEADER_FILL
