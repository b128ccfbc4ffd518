"""The notice as a Word document in the plain layout of an official notice (GB/T 9704-2012):
A4 with the standard margins, the issuing body's mark in red over a red rule, the document
number, a centred title, the addressees, numbered body sections in 3号 仿宋 on a fixed
28 pt line, the branch table, the trend chart, the signature and date, the distribution
record (版记) and centred page numbers "— 1 —".

Fonts are named as a bureau's Windows machines have them (方正小标宋简体, 仿宋_GB2312, 黑体,
楷体_GB2312); Word and LibreOffice substitute a Chinese font where one is missing."""

from datetime import date
from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from messages import labels
from models.text import scrub
from notifications.notice_text import cn_date, numbered, sections

TITLE_FONT, BODY_FONT, HEADING_FONT, SUB_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
RED = RGBColor(0xE6, 0x00, 0x12)
FILLS = labels.FILLS
# What may follow <w:pBdr> inside <w:pPr> (ECMA-376 order).
PBDR_SUCCESSORS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72


def _run(p: Paragraph, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
         colour: RGBColor | None = None) -> None:
    run = p.add_run(scrub(text))  # a control character in a title must not break the document
    run.font.name, run.font.size, run.font.bold = font, Pt(size), bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)  # CJK needs its own slot
    if colour is not None:
        run.font.color.rgb = colour


def _para(doc: Any, text: str = "", *, align: int | None = None, indent: bool = False, spacing: float = 28,
          **font: Any) -> Paragraph:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(spacing)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(32)  # two characters of 3号
    if align is not None:
        p.alignment = align
    if text:
        _run(p, text, **font)
    return p


def _rule(p: Paragraph, *, colour: str, size: int, where: str = "bottom") -> None:
    ppr = p._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:  # Word insists on the schema's element order inside pPr
        borders = OxmlElement("w:pBdr")
        ppr.insert_element_before(borders, *PBDR_SUCCESSORS)
    line = OxmlElement(f"w:{where}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", colour)):
        line.set(qn(f"w:{key}"), value)
    if where == "top":
        borders.insert(0, line)  # top comes before bottom
    else:
        borders.append(line)


def _shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("val", "clear"), ("color", "auto"), ("fill", fill)):
        shading.set(qn(f"w:{key}"), value)
    cell._tc.get_or_add_tcPr().insert_element_before(
        shading, "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")


def _page_numbers(section: Any) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", font="宋体", size=14)
    run = p.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    run.font.size = Pt(14)
    _run(p, " —", font="宋体", size=14)


def _table(doc: Any, header: list[str], rows: list[list[str]], colours: list[str]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cell.paragraphs[0], text, font=HEADING_FONT, size=10.5)
    for row, colour in zip(rows, colours, strict=True):
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.LEFT if i == 0 else WD_ALIGN_PARAGRAPH.CENTER
            _run(cell.paragraphs[0], text, size=10.5)
        if colour in FILLS:
            _shade(cells[0], FILLS[colour])
    table.autofit = False
    # The name column wide, the "蓝/黄/红" column on one line, the counts share the rest.
    rest = Mm((156 - 30 - 18) / (len(header) - 2))
    widths = [Mm(30)] + [Mm(18) if "/" in h else rest for h in header[1:]]
    head = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")  # the header row repeats on every page
    head.append(repeat)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def notice_document(figures: dict[str, Any], *, number: str, title: str, issuer: str, dated: date,
                    chart_png: bytes, copy_to: str = "", draft: str = "") -> bytes:
    """The notice as a Word file; `draft`: the line that marks a draft (as of which moment)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.start_type = WD_SECTION.NEW_PAGE
    _page_numbers(section)
    core = doc.core_properties
    core.title, core.author, core.subject = title, issuer, number

    if draft:
        _para(doc, draft, align=WD_ALIGN_PARAGRAPH.RIGHT, font=HEADING_FONT, size=12, colour=RED)
    mark = f"{issuer}文件"
    size = min(36.0, TEXT_WIDTH_PT / len(mark) * 0.95)  # the mark spans the line, never wraps
    _para(doc, mark, align=WD_ALIGN_PARAGRAPH.CENTER, spacing=size * 1.6, font=TITLE_FONT, size=size,
          colour=RED)
    _para(doc)
    numbered_line = _para(doc, number, align=WD_ALIGN_PARAGRAPH.CENTER)
    _rule(numbered_line, colour="E60012", size=18)
    _para(doc)
    _para(doc, title, align=WD_ALIGN_PARAGRAPH.CENTER, spacing=36, font=TITLE_FONT, size=22)
    _para(doc)
    _para(doc, "各党支部：")
    for i, sec in enumerate(sections(figures)):
        heading = _para(doc, numbered(i, sec.heading), indent=True, font=HEADING_FONT)
        heading.paragraph_format.keep_with_next = True
        for text in sec.paragraphs:
            _para(doc, text, indent=True)
        if sec.table is not None:
            _table(doc, sec.table.header, sec.table.rows, sec.table.colours)
        if sec.chart:
            _para(doc, align=WD_ALIGN_PARAGRAPH.CENTER, spacing=12)
            doc.add_picture(BytesIO(chart_png), width=Mm(140))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _para(doc, sec.caption, align=WD_ALIGN_PARAGRAPH.CENTER, font=SUB_FONT, size=14)
    _para(doc)
    signature = _para(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT)
    signature.paragraph_format.right_indent = Pt(32)
    dated_line = _para(doc, cn_date(dated), align=WD_ALIGN_PARAGRAPH.RIGHT)
    dated_line.paragraph_format.right_indent = Pt(64)  # 右空四字
    gap = _para(doc)
    record = _para(doc, f"抄送：{copy_to}。" if copy_to else "", font=BODY_FONT, size=14)
    _rule(record, colour="000000", size=8, where="top")
    record.paragraph_format.left_indent = Pt(14)
    printed = _para(doc, "", font=BODY_FONT, size=14)
    _run(printed, issuer, size=14)
    _run(printed, f"\t{cn_date(dated)}印发", size=14)
    printed.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)  # right
    _rule(printed, colour="000000", size=8)
    _rule(printed, colour="000000", size=8, where="top")
    for p in (signature, dated_line, gap, record):  # signature, date and 版记 stay on one page
        p.paragraph_format.keep_with_next = True
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
