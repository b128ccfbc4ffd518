"""A month in the bureau, played in Chromium as its people would: the clerk downloads the filing
sheet from the portal and fills it in Chinese words; the owners open their mail's links, each
opened first by a mail gateway (a GET with no cookies), acknowledge, and one asks for more time
and later hands in the evidence from the same mail; the month ends, the round closes, the notice
is published, and its Word text, Excel ledger and artifact agree figure by figure."""

import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import httpx
from openpyxl import load_workbook

from services import context as ctx
from store.settings import get_settings
from tests.app.browser import browser, off_loop, served_portal, shot
from tests.app.test_accessibility import sign_in
from tests.app.test_cli_notice import one_notice_agrees
from tests.app.web import ADMIN, INSPECTOR, jpeg, link_in, text_of
from tests.mail import free_port, mails
from tests.stack import Stack

HUANG, GAO = "huang.lei@example.org", "gao.peng@example.org"  # owners in 政策法规处, 信息中心


def owner_link(stack: Stack, email: str, code: str) -> str:
    """The link to `code` in the latest mail to `email` that names it."""
    [mail] = [m for m in mails(stack.sink.folder) if m["To"] == email and code in text_of(m)][-1:]
    return link_in(mail)


def test_a_month_in_the_bureau_played_in_a_browser(stack: Stack, monkeypatch, tmp_path):
    port = free_port()
    monkeypatch.setenv("RECTIFLOW_PORTAL_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    today = ctx.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    month = f"{today:%Y-%m}"
    stack.cli("round", "open", month)
    sheet = tmp_path / "立项表.xlsx"

    # The clerk: the filing page's template, downloaded as the browser does.
    with served_portal(port) as base, browser() as chromium:
        clerk = chromium.new_context(accept_downloads=True).new_page()
        sign_in(clerk, stack, base, INSPECTOR)
        clerk.goto(f"{base}/file")
        with clerk.expect_download() as download:
            clerk.click("#template a")
        download.value.save_as(sheet)
    # Filled in the clerk's words: names, the manifestation as the list says it, classes in Chinese.
    book = load_workbook(sheet)
    rows, lists = book["立项表"], book["lists"]
    lan2 = next(v for v in [c.value for c in lists["B"][1:]] if str(v).startswith("lan-2 "))
    rows.append(["政策法规处党支部", lan2, "群众诉求三天未回复", "12345 转办件", "限期整改", "周静", "黄磊", ""])
    rows.append(["信息中心党支部", lan2, "系统报修无人应答", "", "立行立改", "周静", "", ""])
    book.save(sheet)
    assert "2 项已立项并交办" in stack.cli("import", str(sheet))
    items = {i["code"]: i for i in json.loads(stack.cli("ledger", "--json"))}
    [slow] = [c for c, i in items.items() if i["title"] == "群众诉求三天未回复"]
    [quick] = [c for c in items if c != slow]
    assert (items[slow]["owner_email"], items[quick]["owner_email"]) == (HUANG, GAO)  # 黄磊 by name; the secretary
    for code in items:
        stack.step(code)

    photo = tmp_path / "回复记录.jpg"
    photo.write_bytes(jpeg("green"))
    with served_portal(port) as base, browser() as chromium:
        for email, code in ((HUANG, slow), (GAO, quick)):
            link = owner_link(stack, email, code)
            # The gateway opens the link first, with no cookies: it sees the page and spends nothing.
            scanned = httpx.get(base + link, timeout=10)
            assert scanned.status_code == 200 and code in scanned.text
            page = chromium.new_page()
            page.goto(base + link)
            page.click("#acknowledge")
            assert "已签收" in page.inner_text("#done")
            off_loop(lambda code=code: stack.step(code))
            if email == HUANG:  # asks for more time, then hands in the evidence from the same mail
                due = date.fromisoformat(items[code]["due_on"])
                page.goto(base + link)
                page.click("#extension-card summary, details summary")
                page.fill("#to", (due + timedelta(days=7)).isoformat())
                page.fill("#ext-reason", "需市级部门会签")
                page.click("details button[type=submit]")
                assert "延期申请已提交" in page.inner_text("#done")
                page.goto(base + link)
                page.fill("#note", "已逐件回复并建立限时回复台账")
                page.set_input_files("#files", str(photo))
                page.click("#submit")
                assert "已提交整改材料" in page.inner_text("#done")
                assert "待验收" in page.inner_text("#state")
                shot(page, "month-1-owner-handed-in")
            page.context.close()
    off_loop(lambda: stack.step(slow))
    stack.cli("review", slow, "--accept", "--as", INSPECTOR)

    # The month ends (the whole stack's clock moves), the round closes, the notice is published.
    following = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    stack.cli("clock", "ahead", str((following - today).days))
    stack.cli("round", "close", month)
    stack.cli("notice", "build", month, "--publish", "--as", ADMIN)
    figures, ledger = one_notice_agrees(stack, month)
    assert figures["totals"]["found"] == 2 and figures["totals"]["closed"] == 1
    states = {r["编号"]: r["状态"] for r in ledger}
    assert states[slow] == "已销号" and states[quick] != "已销号"
