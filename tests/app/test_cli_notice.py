"""`rectiflow notice build` and the monthly-notice flow on the real stack: the files in the
data folder, the mail that arrives, the artifact in the Prefect API, and a frozen notice."""

import asyncio
import hashlib
from io import BytesIO
from pathlib import Path
from uuid import UUID

from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from flows.notice import monthly_notice
from models.notices.notice import Notice, NoticeStatus
from models.policy import Policy
from models.rounds.round import Round, RoundStatus
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
    assert Document(str(docx)).paragraphs[0].text == "（草稿，未发布）" and xlsx.stat().st_size > 0
    assert list(stack.sink.folder.glob("*.eml")) == []  # a draft mails no one

    out = stack.cli("notice", "build", "2026-10", "--publish", "--as", "sun.hongmei@example.org")
    assert "已发布" in out and "mail: 8 recipients" in out
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
    assert early == {"due": False, "month": "2026-10", "reason": "round closes on 2026-10-20; today is 2026-10-20"}
    drafted = asyncio.run(monthly_notice(now="2026-10-21T10:00:00+08:00"))
    assert (drafted["status"], drafted["builds"]) == ("draft", 1)
    with transaction(stack.engine) as s:
        rnd = s.exec(select(Round)).one()
        assert rnd.status is RoundStatus.closed  # the round closed on its day
    again = asyncio.run(monthly_notice(now="2026-10-22T10:00:00+08:00"))
    assert again["due"] is False and again["reason"] == "notice is draft"
    md = asyncio.run(artifact("notice-2026-10", flow_run_id=UUID(drafted["flow_run_id"])))
    assert md.data.startswith("# 关于2026年10月作风建设督察情况的通报（草稿 draft）")
    assert "| 【红】审批一处党支部 |" in md.data
    # A draft mails no one: the sink holds the scenario's mail and the round's checklists only.
    assert not [m for m in mails_in(stack.sink.folder) if m["Subject"].startswith("【通报】")]
    assert len([m for m in mails_in(stack.sink.folder) if m["Subject"].startswith("【2026-10 督察】")]) == 3
