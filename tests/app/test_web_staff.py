"""Staff pages: passwordless sign-in, roles, filing, the round's checklist, the ledger and
its export, the mail folder."""

import json
from io import BytesIO
from urllib.parse import unquote

from openpyxl import load_workbook
from sqlmodel import select

from models.audit.chain import Event
from models.items.finding import Finding
from models.rounds.round import RoundResult
from store.db import transaction
from tests.app.web import (
    ADMIN,
    INSPECTOR,
    OWNER,
    assigned_item,
    csrf,
    jpeg,
    last_mail,
    link_in,
    message,
    portal,
    sign_in,
    use_sign_in_link,
)
from tests.mail import mails
from tests.stack import Stack


def test_sign_in_by_mail_once_then_a_session(stack: Stack):
    client = portal()
    assert client.get("/ledger").headers["location"] == "/login?next=/ledger"
    page = client.get("/login")
    assert client.post("/login", data={"email": INSPECTOR}).status_code == 403  # no CSRF token
    for email in (INSPECTOR, "nobody@example.org"):  # the same answer: who is registered stays private
        sent = client.post("/login", data={"email": email, "csrf": csrf(page.text), "next": "/ledger"})
        assert sent.status_code == 200 and "如该邮箱已登记，登录链接已发送" in sent.text
    link = link_in(last_mail(stack, to=INSPECTOR, subject="登录"))
    for elsewhere in ("//evil.example", "/\\evil.example", "https://evil.example"):  # never sent off-site
        assert client.get("/login", params={"next": elsewhere}).text.count('name="next" value="/"') == 1
    # A mail gateway opens the link first, with no cookies, twice: it only looks.
    for _ in range(2):
        scanned = portal().get(link)
        assert scanned.status_code == 200 and "确认登录" in scanned.text and "rf_session" not in str(scanned.headers)
    assert portal().post(link, data={"next": "/"}).status_code == 403  # a button press without its page's token
    entered = use_sign_in_link(client, link)
    assert entered.status_code == 303 and entered.headers["location"] == "/ledger"
    cookie = entered.headers["set-cookie"]
    assert "rf_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/ledger").status_code == 200
    again = portal().get(link)
    assert again.status_code == 400 and "链接已使用过" in message(again.text)
    assert client.post("/logout").status_code == 403  # a forged sign-out is refused too
    ledger = client.get("/ledger")
    assert client.post("/logout", data={"csrf": csrf(ledger.text)}).status_code == 303
    assert client.get("/ledger").status_code == 303


def test_roles_decide_what_each_page_allows(stack: Stack):
    owner = portal()
    sign_in(stack, owner, OWNER)  # a branch secretary: no ledger, no filing, no mail folder
    for path in ("/ledger", "/file", "/mail", "/ledger.xlsx", "/file/template.xlsx"):
        assert owner.get(path).status_code == 403, path
    icon = portal().get("/favicon.ico")  # every page's icon is there, for anyone
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon" and icon.content[:4] == (
        b"\x00\x00\x01\x00")
    inspector = portal()
    sign_in(stack, inspector, INSPECTOR)
    assert inspector.get("/mail").status_code == 403  # the mail folder is the admin's
    assert portal(mail_folder=False).get("/mail").status_code == 404


def test_an_inspector_files_from_the_page(stack: Stack):
    client = portal()
    sign_in(stack, client, INSPECTOR)
    form = client.get("/file")
    assert "ga-1" in form.text or "lan-1" in form.text
    assert 'href="/file/template.xlsx"' in form.text  # many at once: the sheet to fill in
    template = client.get("/file/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    assert "立项表.xlsx" in unquote(template.headers["content-disposition"])
    assert portal().get("/file/template.xlsx").status_code == 303  # signed in only
    bad = client.post("/file", data={"csrf": csrf(form.text), "unit": "zb-xinxi", "manifestation": "nope",
                                     "title": "推诿"})
    assert bad.status_code == 400 and "负面清单中没有此项：nope" in bad.text and 'value="推诿"' in bad.text
    untitled = client.post("/file", data={"csrf": csrf(form.text), "unit": "zb-xinxi", "manifestation": "lan-1",
                                          "title": " "})
    assert untitled.status_code == 400 and "问题: 不能为空" in untitled.text  # the form's label, not `title`
    filed = client.post("/file", data={"csrf": csrf(form.text), "unit": "zb-xinxi", "manifestation": "lan-1",
                                       "title": "窗口推诿", "detail": "群众反映", "class": "", "owner": ""})
    assert filed.status_code == 303
    code = filed.headers["location"].split("/items/")[1].split("?")[0]
    with transaction(stack.engine) as s:
        [finding] = s.exec(select(Finding)).all()
    assert finding.code == code and finding.flow_run_id  # its case run started
    assert "窗口推诿" in client.get(filed.headers["location"]).text


def test_the_round_checklist_files_failures_all_or_nothing(stack: Stack):
    stack.cli("round", "open", "2030-06")
    client = portal()
    sign_in(stack, client, INSPECTOR)
    page = client.get("/round?month=2030-06")
    units = sorted({part.split(".")[0] for part in page.text.split('name="')[1:] if ".result" in part.split('"')[0]})
    assert len(units) >= 1
    data = {"csrf": csrf(page.text), "month": "2030-06"}
    keys = [part.split('"')[0].removesuffix(".result") for part in page.text.split('name="')[1:]
            if part.split('"')[0].endswith(".result")]
    keys = list(dict.fromkeys(keys))
    for key in keys:
        data[f"{key}.result"] = "pass"
    failing = f"{units[0]}.tuo-1"
    data[f"{failing}.result"] = "fail"  # but no title: refused, nothing recorded
    refused = client.post("/round", data=data)
    # The problem names the field as the form does (问题), not by the code's name.
    assert refused.status_code == 400 and f"{units[0]} tuo-1: 问题: 不能为空" in refused.text
    with transaction(stack.engine) as s:
        assert s.exec(select(RoundResult)).all() == []
    data[f"{failing}.title"] = "公文办理超时限"
    recorded = client.post("/round", data=data)
    assert recorded.status_code == 200 and f"{len(keys)} 条结果已录入，1 项问题立项" in recorded.text
    with transaction(stack.engine) as s:
        [finding] = s.exec(select(Finding)).all()
    assert finding.title == "公文办理超时限" and finding.flow_run_id


def test_the_ledger_filters_and_exports(stack: Stack):
    first, _ = assigned_item(stack)
    assigned_item(stack, title="第二个")
    client = portal()
    sign_in(stack, client, ADMIN)
    page = client.get("/ledger?unit=zb-xinxi&state=assigned")
    assert page.text.count("/items/ZG-") == 2 and "共 2 项" in page.text
    # Like the CLI: the owner of each, and the due date with whether it is provisional.
    row = page.text.split(f'href="/items/{first}"')[1].split("</tr>")[0]
    assert "<td>高鹏</td>" in row and "<td>整改中</td>" in row
    due = json.loads(stack.cli("show", first, "--json"))
    assert f"{due['due_on']}{'（暂定）' if due['due_provisional'] else ''}</td>" in row
    assert "共 0 项" in client.get("/ledger?colour=red").text
    book = load_workbook(BytesIO(client.get("/ledger.xlsx?unit=zb-xinxi").content)).active
    assert [r[0] for r in book.iter_rows(min_row=2, values_only=True)][0] == first
    empty = client.get("/ledger.xlsx?unit=zb-nowhere")  # B5: a filter that selects nothing
    assert empty.status_code == 200
    assert list(load_workbook(BytesIO(empty.content)).active.iter_rows(min_row=2, values_only=True)) == []
    mail_list = client.get("/mail")
    assert mail_list.status_code == 200 and "【整改交办】" in mail_list.text
    one = mail_list.text.split('href="/mail/')[1].split('"')[0]
    shown = client.get(f"/mail/{one}")
    assert shown.status_code == 200 and '<a href="http' in shown.text
    assert client.get("/mail/..%2F..%2Fledger.db").status_code == 404


def test_a_signed_in_verifier_acts_on_the_item_page(stack: Stack):
    code, link = assigned_item(stack)
    owner = portal()
    sign_in(stack, owner, OWNER)
    home = owner.get("/")
    assert f"/items/{code}" in home.text and "我负责的事项" in home.text
    item = owner.get(f"/items/{code}")
    assert item.status_code == 200 and "提交验收" in item.text
    submitted = owner.post(f"/items/{code}/submit", data={"csrf": csrf(item.text), "note": "已整改"},
                           files=[("files", ("照片.jpg", jpeg(), "image/jpeg"))])
    assert submitted.status_code == 303
    stack.step(code)
    inspector = portal()
    sign_in(stack, inspector, INSPECTOR)
    page = inspector.get(f"/items/{code}")
    image = page.text.split('class="preview" src="')[1].split('"')[0]
    assert image.startswith(f"/items/{code}/files/") and inspector.get(image).content == jpeg()
    assert portal().get(image).status_code == 303  # no session: sign in first
    assert inspector.post(f"/items/{code}/delete", data={"csrf": csrf(page.text)}).status_code == 404
    assert inspector.post(f"/items/{code}/accept", data={"csrf": csrf(page.text)}).status_code == 303
    with transaction(stack.engine) as s:
        events = s.exec(select(Event).where(Event.kind.in_(["submit", "accept"])).order_by(Event.seq)).all()
    assert [(e.kind, e.actor) for e in events] == [("submit", OWNER), ("accept", INSPECTOR)]
    stranger = portal()
    sign_in(stack, stranger, "wang.jianguo@example.org")  # another branch's secretary
    assert stranger.get(f"/items/{code}").status_code == 403


def test_the_sign_in_form_cannot_flood_a_mailbox(stack: Stack):
    client = portal()
    token = csrf(client.get("/login").text)
    for _ in range(5):
        assert client.post("/login", data={"email": INSPECTOR, "csrf": token}).status_code == 200
    sign_ins = [m for m in mails(stack.sink.folder) if m["To"] == INSPECTOR and "登录" in m["Subject"]]
    assert len(sign_ins) <= 2  # one a minute (two if the minute turned meanwhile)
