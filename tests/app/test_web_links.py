"""The owner's and the reviewer's pages, reached from the links in their mail: the happy
path end to end (case run included), and every way a link or a form can be wrong."""

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from prefect.client.schemas.objects import StateType
from sqlmodel import func, select

from models.items.evidence import Evidence, EvidenceFile
from models.items.finding import Finding, State
from models.links import ITEM
from models.people.directory import finding_by_code, person_by_email
from services.context import signer
from store.db import transaction
from tests.app.web import (
    OWNER,
    VERIFIER,
    assigned_item,
    csrf,
    jpeg,
    last_mail,
    link_in,
    message,
    portal,
    text_of,
)
from tests.stack import Stack
from tests.waiting import days_ahead


def state(stack: Stack, code: str) -> tuple[State, int, int]:
    with transaction(stack.engine) as s:
        f = finding_by_code(s, code)
        evidence = s.exec(select(func.count()).select_from(Evidence).where(Evidence.finding_id == f.id)).one()
        return f.state, f.version, evidence


def test_owner_submits_from_the_mail_and_the_reviewer_closes_it(stack: Stack):
    code, link = assigned_item(stack)
    client = portal()
    page = client.get(link)
    assert page.status_code == 200 and code in page.text and "提交验收" in page.text
    assert "整改期限" in page.text and "窗口人员推诿" in page.text
    done = client.post(f"{link}/submit", data={"csrf": csrf(page.text), "note": "已建立首问负责制并培训"},
                       files=[("files", ("现场照片.jpg", jpeg(), "image/jpeg"))])
    assert done.status_code == 303 and done.headers["location"] == f"{link}?done=submit"
    after = client.get(done.headers["location"])
    assert "已提交整改材料，等待验收" in after.text and "待验收" in after.text and "提交验收" not in after.text
    assert "此链接已使用过" in client.get(link).text  # opened again later: it says so, offers a fresh one
    assert stack.flow_run(code).state.type is StateType.SCHEDULED  # the case run was resumed
    stack.step(code)  # its pass mails the verifier

    review_link = link_in(last_mail(stack, to=VERIFIER, subject=code))
    review = client.get(review_link)
    assert "验收通过，销号" in review.text and "已建立首问负责制并培训" in review.text
    preview = review.text.split('class="preview" src="')[1].split('"')[0]
    image = client.get(preview)
    assert image.content == jpeg() and image.headers["content-type"] == "image/jpeg"
    assert image.headers["content-disposition"].startswith("inline;")
    download = client.get(preview.removesuffix("?inline=1"))
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''" + quote("现场照片.jpg")
    accepted = client.post(f"{review_link}/accept", data={"csrf": csrf(review.text)})
    assert accepted.status_code == 303
    assert state(stack, code)[0] is State.closed
    assert stack.step(code).state.type is StateType.COMPLETED


def test_a_link_acts_once_for_one_person_on_one_item(stack: Stack):
    code, link = assigned_item(stack)
    other, other_link = assigned_item(stack, title="另一个问题")
    client = portal()
    token = csrf(client.get(link).text)
    before = state(stack, code)

    # The owner's link cannot accept (a verifier's act), whatever the form says.
    refused = client.post(f"{link}/accept", data={"csrf": token})
    assert refused.status_code == 400 and "无权执行“验收销号”" in message(refused.text)
    # A token rewritten to another item (or person) fails its signature.
    body, mac = link.removeprefix("/l/").split(".")
    claim = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**claim, "c": other}).encode()).rstrip(b"=").decode()
    for bad in (f"/l/{forged}.{mac}", f"{link[:-3]}xyz", "/l/nonsense"):
        page = client.get(bad)
        assert page.status_code == 400 and "链接无效" in message(page.text)
    # The CSRF token of another link's page does not pass, nor does none.
    other_token = csrf(client.get(other_link).text)
    for data in ({"note": "x"}, {"note": "x", "csrf": other_token}):
        assert client.post(f"{link}/submit", data=data).status_code == 403
    assert state(stack, code) == before

    # Submitted twice (a double click): the second is refused, one evidence row.
    first = client.post(f"{link}/submit", data={"csrf": token, "note": "已整改"})
    second = client.post(f"{link}/submit", data={"csrf": token, "note": "已整改"})
    assert first.status_code == 303 and second.status_code == 400
    said = message(second.text)  # when, in the bureau's zone, and what, in words
    assert "链接已使用过" in said and "北京时间，提交整改材料" in said and "submit" not in said and "UTC" not in said
    assert state(stack, code)[2] == 1


def test_an_expired_link_says_so_and_mails_a_fresh_one(stack: Stack):
    code, _ = assigned_item(stack)
    with transaction(stack.engine) as s:
        owner = person_by_email(s, OWNER)
    stale = signer().issue(ITEM, owner.id, code=code, expires_at=datetime.now(UTC) - timedelta(days=1))
    client = portal()
    page = client.get(f"/l/{stale}")
    assert "此链接已过期" in page.text and "提交验收" not in page.text
    assert client.post(f"/l/{stale}/submit", data={"csrf": csrf(page.text), "note": "x"}).status_code == 400
    sent = client.post(f"/l/{stale}/fresh", data={"csrf": csrf(page.text)})
    assert sent.status_code == 200 and OWNER in sent.text
    fresh = link_in(last_mail(stack, to=OWNER, subject="【新链接】"))
    assert "提交验收" in client.get(fresh).text


def test_uploads_are_checked_by_content_size_and_name(stack: Stack, monkeypatch):
    code, link = assigned_item(stack)
    client = portal()
    token = csrf(client.get(link).text)
    pdf_as_jpg = ("照片.jpg", b"%PDF-1.4 not a photo", "image/jpeg")
    exe = ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "application/octet-stream")
    for upload, says in ((pdf_as_jpg, "文件内容与扩展名不符：照片.jpg"), (exe, "不支持的文件类型：setup.exe"),
                         (("..", b"text", "text/plain"), "文件名无效")):
        refused = client.post(f"{link}/submit", data={"csrf": token, "note": "x"}, files=[("files", upload)])
        assert refused.status_code == 400 and says in message(refused.text), message(refused.text)
    monkeypatch.setenv("RECTIFLOW_MAX_EVIDENCE_BYTES", "1000")
    from store.settings import get_settings

    get_settings.cache_clear()
    big = client.post(f"{link}/submit", data={"csrf": token, "note": "x"},
                      files=[("files", ("大图.jpg", jpeg() + b"\0" * 2000, "image/jpeg"))])
    assert big.status_code == 400 and "文件过大（上限 1000 字节）" in message(big.text)
    assert state(stack, code)[0] is State.assigned and state(stack, code)[2] == 0  # nothing half-done
    monkeypatch.delenv("RECTIFLOW_MAX_EVIDENCE_BYTES")
    get_settings.cache_clear()

    # A path in the name is only data: the file is kept by its hash, the name's last part shown.
    ok = client.post(f"{link}/submit", data={"csrf": token, "note": "见附件"},
                     files=[("files", ("../../etc/说明.txt", "整改说明".encode(), "text/plain"))])
    assert ok.status_code == 303
    with transaction(stack.engine) as s:
        [row] = s.exec(select(EvidenceFile)).all()
    assert row.original_name == "说明.txt" and not (stack.data_dir / "etc").exists()


def test_user_text_is_escaped_everywhere(stack: Stack):
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    code, link = assigned_item(stack, title=nasty, detail=nasty)
    client = portal()
    page = client.get(link)
    assert page.text.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 2  # title, detail
    extended = client.post(f"{link}/extend", data={"csrf": csrf(page.text), "to": days_ahead(80), "reason": nasty})
    assert extended.status_code == 303
    stack.step(code)
    supervisor = client.get(link_in(last_mail(stack, to="sun.hongmei@example.org", subject="延期")))
    assert "<script>alert" not in supervisor.text and "&lt;script&gt;" in supervisor.text  # the reason
    fresh_owner = client.post(f"{link}/fresh", data={"csrf": csrf(client.get(link).text)})
    assert fresh_owner.status_code == 200
    link = link_in(last_mail(stack, to=OWNER, subject="【新链接】"))
    page = client.get(link)
    client.post(f"{link}/submit", data={"csrf": csrf(page.text), "note": nasty})
    stack.step(code)
    review_link = link_in(last_mail(stack, to=VERIFIER, subject=code))
    review = client.get(review_link)
    client.post(f"{review_link}/return", data={"csrf": csrf(review.text), "reason": nasty})
    after = client.get(review_link).text
    for html in (page.text, review.text, after, supervisor.text):
        assert "<script>alert" not in html and "<img src=x" not in html
    assert after.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 3  # title, account, reason


def test_an_extension_asked_and_approved_from_the_links(stack: Stack):
    code, link = assigned_item(stack)
    client = portal()
    page = client.get(link)
    later = days_ahead(40)
    asked = client.post(f"{link}/extend", data={"csrf": csrf(page.text), "to": later, "reason": "等待设备到货"})
    assert asked.status_code == 303
    stack.step(code)
    supervisor_link = link_in(last_mail(stack, to="sun.hongmei@example.org", subject=code))
    decide = client.get(supervisor_link)
    assert f"申请将期限延至 <strong>{later}</strong>：等待设备到货" in decide.text
    bad_date = client.post(f"{supervisor_link}/reject", data={"csrf": csrf(decide.text), "reason": ""})
    assert bad_date.status_code == 400 and "reason: 不能为空" in message(bad_date.text)
    # Asking for time leaves the item in the owner's hands: the same mail's link still offers 提交.
    waiting = client.get(link)
    assert "此链接已使用过" not in waiting.text and 'id="submit-card"' in waiting.text
    approved = client.post(f"{supervisor_link}/approve", data={"csrf": csrf(decide.text)})
    assert approved.status_code == 303
    with transaction(stack.engine) as s:
        assert str(finding_by_code(s, code).due_on) == later
    decided = client.get(supervisor_link).text  # the decision took it out of the secretary's hands
    assert "此链接已使用过" in decided and "批准延期" in decided and "approve_extension" not in decided
    page = client.get(link)
    submitted = client.post(f"{link}/submit", data={"csrf": csrf(page.text), "note": "设备已到货并安装"},
                            files=[("files", ("验收单.txt", "已安装".encode(), "text/plain"))])
    assert submitted.status_code == 303
    used = client.get(link).text  # submitted: out of the owner's hands, said in words and in Beijing time
    assert "此链接已使用过" in used and "提交整改材料" in used and "北京时间" in used and 'id="submit-card"' not in used


def test_five_submits_at_once_act_once(stack: Stack):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from tests.app.browser import served_portal
    from tests.mail import free_port

    code, link = assigned_item(stack)
    with served_portal(free_port()) as base, httpx.Client(base_url=base, follow_redirects=False) as client:
        token = csrf(client.get(link).text)
        cookies = dict(client.cookies)

        def submit(_: int) -> int:
            return httpx.post(f"{base}{link}/submit", data={"csrf": token, "note": "已整改"}, cookies=cookies,
                              timeout=30).status_code

        with ThreadPoolExecutor(5) as pool:
            codes = sorted(pool.map(submit, range(5)))
    assert codes == [303, 400, 400, 400, 400]
    assert state(stack, code)[0] is State.submitted and state(stack, code)[2] == 1


def test_after_a_return_the_owner_reads_why_first_and_the_verifier_sees_the_count(stack: Stack):
    code, link = assigned_item(stack)
    client = portal()
    client.post(f"{link}/submit", data={"csrf": csrf(client.get(link).text), "note": "已整改"})
    stack.step(code)
    first = last_mail(stack, to=VERIFIER, subject=code)
    assert "次提交" not in first["Subject"]
    review_link = link_in(first)
    review = client.get(review_link)
    new_due = days_ahead(30)
    client.post(f"{review_link}/return", data={"csrf": csrf(review.text), "reason": "缺少制度文件",
                                               "due": new_due})
    stack.step(code)
    page = client.get(link_in(last_mail(stack, to=OWNER, subject=code))).text
    # The reason and the new date come before the form, not at the bottom of the history.
    returned = page.index('id="returned"')
    assert returned < page.index('id="submit-card"')
    card = page[returned:page.index('id="submit-card"')]
    assert "缺少制度文件" in card and new_due in card and "（北京时间）" in card
    again = link_in(last_mail(stack, to=OWNER, subject=code))
    client.post(f"{again}/submit", data={"csrf": csrf(client.get(again).text), "note": "补充制度文件"})
    stack.step(code)
    second = last_mail(stack, to=VERIFIER, subject=code)
    assert second["Subject"].endswith("第2次提交") and "第 2 次提交，前次已退回" in text_of(second)
    assert 'id="returned"' not in client.get(again).text  # submitted again: the notice has done its job


def test_the_mail_link_signs_for_the_item_first_and_still_takes_the_evidence(stack: Stack):
    code, link = assigned_item(stack)
    client = portal()
    page = client.get(link)
    assert page.text.index('id="ack-card"') < page.text.index('id="submit-card"')  # 签收 is offered first
    assert "尚未签收" in page.text
    signed = client.post(f"{link}/acknowledge", data={"csrf": csrf(page.text)})
    assert signed.status_code == 303 and signed.headers["location"] == f"{link}?done=acknowledge"
    after = client.get(signed.headers["location"])
    assert "已签收" in after.text and 'id="ack-card"' not in after.text and 'id="submit-card"' in after.text
    with transaction(stack.engine) as s:
        f = finding_by_code(s, code)
        assert f.state is State.assigned and f.acknowledged_at is not None
    again = client.post(f"{link}/acknowledge", data={"csrf": csrf(page.text)})
    assert again.status_code == 400 and "已于" in message(again.text) and "签收" in message(again.text)
    stack.step(code)  # the pass the acknowledgement woke
    done = client.post(f"{link}/submit", data={"csrf": csrf(after.text), "note": "已整改"})  # the same link
    assert done.status_code == 303 and state(stack, code)[0] is State.submitted


def test_a_delegates_link_works_while_the_absence_lasts_and_stops_when_it_ends(stack: Stack):
    delegate = "liang.xue@example.org"
    first = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    stack.cli("absence", "declare", "--as", OWNER, "--delegate", delegate, "--from", first.isoformat(),
              "--to", "2099-01-01", "--reason", "外出学习", expect=2)  # refused: over 92 days
    number = stack.cli("absence", "declare", "--as", OWNER, "--delegate", delegate, "--from", first.isoformat(),
                       "--to", (first + timedelta(days=6)).isoformat(), "--reason", "外出学习").split()[0]
    code, _ = assigned_item(stack, to=delegate)  # the owner's mail goes to the delegate
    mail = last_mail(stack, to=delegate, subject=code)
    assert "梁雪（代高鹏）同志" in text_of(mail)
    link = link_in(mail)
    client = portal()
    page = client.get(link)
    assert page.status_code == 200 and 'id="ack-card"' in page.text
    signed = client.post(f"{link}/acknowledge", data={"csrf": csrf(page.text)})
    assert signed.status_code == 303
    history = client.get(signed.headers["location"]).text
    assert f"代 {OWNER} 办理" in history
    stack.cli("absence", "end", number, "--as", OWNER)
    gone = client.get(link)
    assert gone.status_code == 400 and "此链接已失效" in message(gone.text)
    refused = client.post(f"{link}/submit", data={"csrf": csrf(page.text), "note": "x"})
    assert refused.status_code == 400 and "此链接已失效" in message(refused.text)
    assert state(stack, code)[0] is State.assigned


def test_the_owner_splits_from_the_mail_and_the_parent_shows_the_parts_work(stack: Stack):
    from tests.app.web import INSPECTOR, sign_in

    chen = "chen.xiaoyu@example.org"
    code, link = assigned_item(stack)
    client = portal()
    page = client.get(link)
    assert 'id="split-card"' in page.text
    with transaction(stack.engine) as s:
        due = finding_by_code(s, code).due_on
    bad = client.post(f"{link}/split", data={"csrf": csrf(page.text), "unit1": "zb-bangongshi", "owner1": chen,
                                             "title1": "办公室配合", "due1": (due + timedelta(days=1)).isoformat()})
    assert bad.status_code == 400 and message(bad.text).startswith("parts[1].due")  # after the parent's due date
    done = client.post(f"{link}/split", data={"csrf": csrf(page.text), "unit1": "zb-bangongshi", "owner1": chen,
                                              "title1": "办公室配合整理台账", "due1": due.isoformat()})
    assert done.status_code == 303 and done.headers["location"] == f"{link}?done=split"
    with transaction(stack.engine) as s:
        [part] = s.exec(select(Finding).where(Finding.parent_id == finding_by_code(s, code).id)).all()
        part_code = part.code
    run = stack.flow_run(part_code)
    assert f"parent:{code}" in run.tags  # the Prefect UI shows the family
    assert f"分解自 {code}" in stack.step(part_code).name
    part_link = link_in(last_mail(stack, to=chen, subject=part_code))
    part_page = client.get(part_link)
    assert f"分解自</th><td id=\"parent\">{code}" in part_page.text
    sent = client.post(f"{part_link}/submit", data={"csrf": csrf(part_page.text), "note": "台账已整理"},
                       files=[("files", ("台账.jpg", jpeg("blue"), "image/jpeg"))])
    assert sent.status_code == 303
    staff = portal()
    sign_in(stack, staff, INSPECTOR)
    parent_page = staff.get(f"/items/{code}")
    assert part_code in parent_page.text and "台账已整理" in parent_page.text
    href = parent_page.text.split('id="parts"')[1].split('href="')[1].split('"')[0]
    assert staff.get(href).content == jpeg("blue")  # the part's evidence, from the parent's page


def test_a_signed_in_inspector_splits_from_the_staff_page(stack: Stack):
    from tests.app.web import INSPECTOR, sign_in

    code, _ = assigned_item(stack)
    staff = portal()
    sign_in(stack, staff, INSPECTOR)
    page = staff.get(f"/items/{code}")
    with transaction(stack.engine) as s:
        due = finding_by_code(s, code).due_on
    forged = staff.post(f"/items/{code}/split", data={"csrf": "x", "unit1": "zb-xinxi",
                                                      "owner1": "liang.xue@example.org", "title1": "t",
                                                      "due1": due.isoformat()})
    assert forged.status_code in (400, 403)
    done = staff.post(f"/items/{code}/split", data={"csrf": csrf(page.text), "unit1": "zb-xinxi",
                                                    "owner1": "liang.xue@example.org", "title1": "信息中心内部整改",
                                                    "due1": due.isoformat()})
    assert done.status_code == 303 and done.headers["location"] == f"/items/{code}?done=split"
    after = staff.get(done.headers["location"]).text
    assert "已分解" in after and "信息中心内部整改" in after and 'id="split-card"' in after
    with transaction(stack.engine) as s:
        assert len(s.exec(select(Finding).where(Finding.parent_id == finding_by_code(s, code).id)).all()) == 1
