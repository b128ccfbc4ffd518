"""`rectiflow notice build` and the monthly-notice flow on the real stack: the files in the
data folder, the mail that arrives, the artifact in the Prefect API, and a frozen notice."""

import asyncio
import hashlib
from io import BytesIO
from pathlib import Path

from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from flows.notice import monthly_notice
from models.notices.notice import Notice, NoticeStatus
from models.policy import Policy
from models.rounds.round import Round, RoundStatus
from services.jobs import BuiltNotice, NoticeDue
from store.db import transaction
from tests.app.test_cli import refused
from tests.mail import mails as mails_in
from tests.notice_month import build_october
from tests.stack import Stack, artifact
from tests.waiting import wait_until

RECIPIENTS = ["gao.peng@example.org", "he.qiang@example.org", "li.xiaodong@example.org", "sun.hongmei@example.org",
              "wang.jianguo@example.org", "yang.fan@example.org", "zhao.lihua@example.org", "zhu.wei@example.org"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_then_publish_mails_the_frozen_notice_once(stack: Stack):
    codes = build_october(stack.engine, Policy())
    out = stack.cli("notice", "build", "2026-10")
    assert "机关党委督〔2026〕10号 关于2026年10月作风建设督察情况的通报" in out and "草稿" in out
    assert "发现 4  销号 3（按期 2）  逾期 1  红色 1" in out
    folder = stack.data_dir / "notices" / "2026-10"
    docx, xlsx = folder / "通报-2026-10.docx", folder / "整改台账-2026-10.xlsx"
    assert Document(str(docx)).paragraphs[0].text == "（草稿，数据截至 2026-11-01 00:00 北京时间，未发布）"
    assert xlsx.stat().st_size > 0
    assert list(stack.sink.folder.glob("*.eml")) == []  # a draft mails no one

    out = stack.cli("notice", "build", "2026-10", "--publish", "--as", "sun.hongmei@example.org")
    assert "已发布" in out and "已发送 8 位收件人" in out
    def notices() -> list:  # the scenario's assignment mails went out with them
        return [m for m in mails_in(stack.sink.folder) if m["Subject"].startswith("【通报】")]

    mails = wait_until(lambda: notices() if len(notices()) >= 8 else None, timeout=10, what="8 notice mails")
    assert sorted(m["To"] for m in mails) == RECIPIENTS
    mail = mails[0]
    assert mail["Subject"] == "【通报】关于2026年10月作风建设督察情况的通报（机关党委督〔2026〕10号）"
    parts = {p.get_filename(): p for p in mail.walk() if p.get_filename()}
    assert set(parts) == {"通报-2026-10.docx", "整改台账-2026-10.xlsx", "trend-2026-10.png"}
    assert parts["通报-2026-10.docx"].get_payload(decode=True) == docx.read_bytes()
    assert parts["trend-2026-10.png"]["Content-ID"] == "<trend-2026-10.png>"
    word = Document(BytesIO(parts["通报-2026-10.docx"].get_payload(decode=True)))  # the draft mark is gone
    assert word.paragraphs[0].text == "示范市行政审批服务局机关党委文件" and len(word.inline_shapes) == 1
    ledger = load_workbook(BytesIO(parts["整改台账-2026-10.xlsx"].get_payload(decode=True))).active
    filed = {r[0] for r in ledger.iter_rows(min_row=2, values_only=True)}
    assert codes["early"] in filed and codes["november"] not in filed  # the ledger as of the month's end
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_content()
    assert 'src="cid:trend-2026-10.png"' in html and codes["red"] in html

    # Published: never changed, never mailed twice.
    before = {p.name: digest(p) for p in folder.iterdir()}
    refused(stack, "notice", "build", "2026-10", says="month: 2026-10 的通报已于")
    refused(stack, "notice", "build", "2026-10", "--publish", "--as", "sun.hongmei@example.org", says="不能再修改")
    assert {p.name: digest(p) for p in folder.iterdir()} == before
    assert len(notices()) == 8
    with transaction(stack.engine) as s:
        notice = s.get(Notice, 1)
        assert notice.status is NoticeStatus.published and notice.published_by == "sun.hongmei@example.org"
        assert notice.files["docx"]["sha256"] == before["通报-2026-10.docx"]
    shown = stack.cli("notice", "show", "2026-10")
    assert "已发布" in shown and str(docx) in shown


def test_only_supervisors_publish_and_bad_months_are_named(stack: Stack):
    refused(stack, "notice", "build", "2026-10", "--publish", "--as", "zhou.jing@example.org",
            says="as: 周静 无权执行“发布通报”")
    refused(stack, "notice", "build", "2026-10", "--publish", "--as", "nobody@example.org",
            says="as: 未知人员：nobody@example.org")
    refused(stack, "notice", "build", "10/2026", says="month: 月份格式应为 YYYY-MM：10/2026")
    refused(stack, "notice", "build", "2099-01", says="month: 2099-01 尚未开始，不能生成通报")
    assert not (stack.data_dir / "notices").exists()


def test_the_scheduled_run_waits_for_the_round_then_drafts_once(stack: Stack):
    build_october(stack.engine, Policy())
    stack.cli("round", "open", "2026-10")  # closes on Oct 20
    early = asyncio.run(monthly_notice(now="2026-10-20T10:00:00+08:00"))
    assert early == NoticeDue(False, "2026-10", "round closes on 2026-10-20; today is 2026-10-20")
    drafted = asyncio.run(monthly_notice(now="2026-10-21T10:00:00+08:00"))
    assert isinstance(drafted, BuiltNotice) and (drafted.notice.status, drafted.notice.builds) == ("draft", 1)
    with transaction(stack.engine) as s:
        rnd = s.exec(select(Round)).one()
        assert rnd.status is RoundStatus.closed  # the round closed on its day
    again = asyncio.run(monthly_notice(now="2026-10-22T10:00:00+08:00"))
    assert isinstance(again, NoticeDue)
    assert again.due is False and again.reason == "notice is draft (a draft until the month ends)"
    # The newest notice-2026-10: this run's (its cutoff, 2026-10-21 10:00, is this run's moment).
    md = asyncio.run(artifact("notice-2026-10", flow_run_id=None))
    assert md.data.startswith("# 关于2026年10月作风建设督察情况的通报（草稿，数据截至 2026-10-21 10:00 "
                              "北京时间）")  # a month still running: as of the run
    assert "| 【红】审批一处党支部 |" in md.data
    # A draft mails no one: the sink holds the scenario's mail and the round's checklists only.
    assert not [m for m in mails_in(stack.sink.folder) if m["Subject"].startswith("【通报】")]
    assert len([m for m in mails_in(stack.sink.folder) if m["Subject"].startswith("【2026-10 督察】")]) == 3


def _figures_said(text: str) -> dict[str, int]:
    """The totals a reader finds in the notice's words (Word or artifact)."""
    import re

    said = {}
    for key, pattern in (("found", r"发现问题(\d+)个"), ("closed", r"整改销号(\d+)个"),
                         ("overdue", r"逾期未整改(\d+)个"), ("level1", r"蓝色督办(\d+)个"),
                         ("level2", r"黄色督办(\d+)个"), ("level3", r"红色督办(\d+)个")):
        found = re.search(pattern, text)
        assert found, (key, text[:400])
        said[key] = int(found.group(1))
    return said


def one_notice_agrees(stack: Stack, month: str) -> tuple[dict, list[dict]]:
    """The published notice of `month`: its Word text, its artifact and its record say the same
    totals, and the Excel ledger mailed with it counts them again from its rows. Returns the
    notice's figures and the ledger's rows."""
    folder = stack.data_dir / "notices" / month
    word = "\n".join(p.text for p in Document(str(folder / f"通报-{month}.docx")).paragraphs)
    with transaction(stack.engine) as s:
        notice = s.exec(select(Notice).where(Notice.month == month)).one()
        figures = dict(notice.figures)
    md = asyncio.run(artifact(f"notice-{month}", flow_run_id=None)).data
    totals = {k: figures["totals"][k] for k in ("found", "closed", "overdue", "level1", "level2", "level3")}
    assert _figures_said(word) == totals == _figures_said(md)
    del totals["closed"]  # the ledger lists every item, not when each closed: the rest it shows
    sheet = load_workbook(folder / f"整改台账-{month}.xlsx").active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    open_rows = [r for r in rows if r["状态"] not in ("已销号", "已撤销")]
    counted = {
        "found": sum(1 for r in rows if str(r["立项时间"]).startswith(month) and r["状态"] != "已撤销"),
        "overdue": sum(1 for r in open_rows if (r["剩余工作日"] or 0) < 0),
        "level1": sum(1 for r in open_rows if r["颜色"] == "蓝"),
        "level2": sum(1 for r in open_rows if r["颜色"] == "黄"),
        "level3": sum(1 for r in open_rows if r["颜色"] == "红"),
    }
    assert counted == totals, (counted, totals, rows)
    assert not {r["颜色"] for r in rows} - {"蓝", "黄", "红", None}  # colours in words, never `red`
    return figures, rows


def test_every_figure_of_one_notice_agrees_word_excel_and_artifact(stack: Stack):
    """The Word notice, the Excel ledger mailed with it and the artifact come from one moment,
    the month's end, and say the same numbers, whatever happened to the items since."""
    from datetime import date

    codes = build_october(stack.engine, Policy())  # with an item filed in November, after the cutoff
    stack.cli("notice", "build", "2026-10", "--publish", "--as", "sun.hongmei@example.org")
    figures, rows = one_notice_agrees(stack, "2026-10")
    assert figures["cutoff"] == "2026-11-01 00:00 北京时间"
    assert codes["red"] in {r["编号"] for r in rows if r["颜色"] == "红"} and codes["november"] not in {
        r["编号"] for r in rows}
    assert date.fromisoformat(figures["as_of"]) == date(2026, 10, 31)


def test_a_month_that_has_not_ended_is_drafted_not_published(stack: Stack):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    month = f"{today:%Y-%m}"
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    refused(stack, "notice", "build", month, "--publish", "--as", "sun.hongmei@example.org",
            says=f"month: {month} 尚未结束，{following.isoformat()} 起方可发布通报")
    out = stack.cli("notice", "build", month)  # a draft, any day, says as of when
    assert "草稿" in out
    first = Document(str(stack.data_dir / "notices" / month / f"通报-{month}.docx")).paragraphs[0].text
    assert first.startswith("（草稿，数据截至 ") and "北京时间" in first
    # An ended month whose round is still open: close the round first.
    build_october(stack.engine, Policy())
    stack.cli("round", "open", "2026-10")
    refused(stack, "notice", "build", "2026-10", "--publish", "--as", "sun.hongmei@example.org",
            says="2026-10 的督察轮次尚未结束")


def test_the_demo_has_an_ended_month_to_publish_and_mails_no_history(stack: Stack):
    """The README's walk-through publishes last month: the demo's items of that month are
    history (closed then), and their mail of then is never sent now."""
    import json
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    stack.cli("demo")
    last = f"{datetime.now(ZoneInfo('Asia/Shanghai')).date().replace(day=1) - timedelta(days=1):%Y-%m}"
    items = json.loads(stack.cli("ledger", "--json"))
    closed = [i for i in items if i["state"] == "closed"]
    assert len(closed) == 2 and all(i["filed_at"][:7] == last for i in closed), items
    out = stack.cli("notice", "build", last, "--publish", "--as", "sun.hongmei@example.org")
    assert "已发布" in out and "发现 2  销号 2（按期 1）" in out
    mails = wait_until(lambda: [m for m in mails_in(stack.sink.folder) if m["Subject"].startswith("【通报】")] or None,
                       timeout=30, what="the notice's mail")
    assert mails and not [m for m in mails_in(stack.sink.folder) if "待验收" in m["Subject"] or "销号" in m["Subject"]]
