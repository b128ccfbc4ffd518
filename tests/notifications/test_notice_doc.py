"""The notice's forms read back: the Word document (python-docx), the chart (Pillow), the
mail (rendered from the same sections) and the markdown artifact."""

import warnings
from datetime import date
from io import BytesIO

from docx import Document
from docx.oxml.ns import qn
from PIL import Image

from models.deadlines.escalation import DeadlinePolicy
from models.notices.compliance import CompliancePolicy
from models.notices.figures import month_figures
from notifications.chart import chinese_font, trend_chart
from notifications.notice_doc import notice_document
from notifications.notice_text import markdown
from notifications.render import render
from store.db import transaction
from tests.conftest import at
from tests.notice_month import build_october

NUMBER, TITLE, ISSUER = "机关党委督〔2026〕10号", "关于2026年10月作风建设督察情况的通报", "示范市行政审批服务局机关党委"


def figures(engine, policy) -> tuple[dict, dict[str, str]]:
    codes = build_october(engine, policy)
    with transaction(engine) as s:
        fig = month_figures(s, year=2026, month=10, now=at("2026-11-20 10:00"), compliance=CompliancePolicy(),
                            deadlines=DeadlinePolicy())
    return fig.as_json(), codes


def test_the_chart_draws_chinese_with_no_missing_glyph(sqlite_engine, policy):
    data, _ = figures(sqlite_engine, policy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" otherwise
        png = trend_chart(data["trend"])
    assert chinese_font() == "Noto Sans SC"
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.size == (1260, 600)


def test_the_word_notice_reads_back(sqlite_engine, policy):
    data, codes = figures(sqlite_engine, policy)
    chart = trend_chart(data["trend"])
    doc = Document(BytesIO(notice_document(data, number=NUMBER, title=TITLE, issuer=ISSUER, dated=date(2026, 11, 20),
                                           chart_png=chart, copy_to="局党组，驻局纪检监察组")))
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == f"{ISSUER}文件" and doc.paragraphs[0].runs[0].font.color.rgb == (0xE6, 0x00, 0x12)
    assert NUMBER in texts and TITLE in texts and "各党支部：" in texts
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")] == [
        "一、总体情况", "二、各党支部情况", "三、红色督办事项", "四、典型做法", "五、近12个月趋势",
        "六、下一步工作要求"]
    body = "\n".join(texts)
    assert "发现问题4个；当月整改销号3个，其中按期销号2个" in body and "红色督办1个" in body
    assert f"1. {codes['red']}，审批一处党支部" in body and f"1. {codes['early']}，政策法规处党支部" in body
    assert "达标率40%，2026年度目标为50%，未达到年度目标" in body
    assert texts[-5:-3] == [ISSUER, "2026年11月20日"] and texts[-2] == "抄送：局党组，驻局纪检监察组。"
    assert texts[-1] == f"{ISSUER}\t2026年11月20日印发"
    [table] = doc.tables
    assert [c.text for c in table.rows[0].cells][:3] == ["党支部", "发现", "销号"] and len(table.rows) == 6
    shenpi1 = next(r for r in table.rows if r.cells[0].text == "审批一处党支部")
    assert shenpi1.cells[5].text == "0/0/1" and shenpi1.cells[-1].text == "否"
    [shape] = doc.inline_shapes
    blob = doc.part.related_parts[shape._inline.graphic.graphicData.pic.blipFill.blip.embed].blob
    assert blob == chart
    section = doc.sections[0]
    assert [round(v.mm) for v in (section.page_width, section.page_height, section.top_margin)] == [210, 297, 37]
    title_run = next(p for p in doc.paragraphs if p.text == TITLE).runs[0]
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体" and title_run.font.size.pt == 22
    assert "PAGE" in section.footer.paragraphs[0]._p.xml


def test_the_mail_and_the_artifact_say_the_same(sqlite_engine, policy, tmp_path):
    data, codes = figures(sqlite_engine, policy)
    files = {}
    for key, name, blob in (("docx", "通报.docx", b"docx"), ("xlsx", "台账.xlsx", b"xlsx"),
                            ("chart", "trend-2026-10.png", trend_chart(data["trend"]))):
        (tmp_path / name).write_bytes(blob)
        files[key] = {"path": str(tmp_path / name)}
    data["red_items"][0]["title"] = "<script>alert(1)</script>"
    mail = render("notice", language="zh", portal_url="http://portal", context={
        "month": "2026-10", "number": NUMBER, "title": TITLE, "issuer": ISSUER, "figures": data, "files": files,
        "name": "孙红梅"})
    assert mail.subject == f"【通报】{TITLE}（{NUMBER}）"
    assert [(a.filename, a.inline) for a in mail.attachments] == [
        ("通报.docx", False), ("台账.xlsx", False), ("trend-2026-10.png", True)]
    assert 'src="cid:trend-2026-10.png"' in mail.html and "&lt;script&gt;" in mail.html
    assert "<script>" not in mail.html and "发现问题4个" in mail.html and "发现问题4个" in mail.text
    english = render("notice", language="en", portal_url="http://portal", context={
        "month": "2026-10", "number": NUMBER, "title": TITLE, "issuer": ISSUER, "figures": data, "files": files,
        "name": "Sun"})
    assert english.subject == f"[Notice] 2026-10 work-style inspection ({NUMBER})" and "found" in english.html
    md = markdown(data, number=NUMBER, title=TITLE, issuer=ISSUER, status="draft", dated=date(2026, 11, 20))
    assert md.startswith(f"# {TITLE}（草稿，数据截至 2026-11-01 00:00 北京时间）")
    assert "| 【红】审批一处党支部 | 0 | 0 | 0 | 1 | 0/0/1 |" in md
    assert "| 2026-10 | 4 | 3 | 40% | 50% |" in md and codes["early"] in md
