"""A person who reads English gets the owner's pages in English: every word of the page from
the catalogue's English half, none of the Chinese one (only what people typed or named stays
as written: names, units, titles). A screenshot is kept in test-artifacts/browser/."""

import re

from sqlmodel import select

from models.people.org import Person, Unit
from store.db import transaction
from store.settings import get_settings
from tests.app.browser import browser, served_portal, shot
from tests.app.web import INSPECTOR, csrf, last_mail, link_in, portal, use_sign_in_link
from tests.mail import free_port, mails
from tests.stack import Stack

ENGLISH_OWNER = "song.kai@example.org"  # 宋凯 reads English (language: en in the organisation)
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def chinese_left(html: str, data: list[str]) -> list[str]:
    """Chinese in the page's text once what people typed or named is taken out."""
    text = re.sub(r"<[^>]+>", " ", html)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return CJK.findall(text)


def names(stack: Stack) -> list[str]:
    with transaction(stack.engine) as s:
        return [p.name for p in s.exec(select(Person))] + [u.name for u in s.exec(select(Unit))]


def test_an_english_readers_item_pages_have_no_chinese(stack: Stack, monkeypatch):
    title, detail = "窗口推诿", "群众反映办事需跑多次"
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", title, "--detail", detail,
                     "--owner", ENGLISH_OWNER, "--as", INSPECTOR).split()[0]
    stack.step(code)
    mail = last_mail(stack, to=ENGLISH_OWNER, subject=code)
    link = link_in(mail)
    data = [title, detail, *names(stack)]
    client = portal()
    page = client.get(link)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "Acknowledge" in page.text and "Hand in the evidence" in page.text
    assert chinese_left(page.text, data) == []
    # Each step's page: acknowledged, asked for time, handed in; and a used link, in words.
    for action, form in (("acknowledge", {}), ("extend", {"to": "2099-01-01", "reason": "waiting for parts"}),
                         ("submit", {"note": "fixed"})):
        done = client.post(f"{link}/{action}", data={"csrf": csrf(client.get(link).text), **form})
        if action == "extend":  # beyond the window: refused, and the refusal is a page too
            assert done.status_code == 400
            continue
        assert done.status_code == 303, done.text[:300]
        after = client.get(done.headers["location"]).text
        assert chinese_left(after, data) == [], (action, chinese_left(after, data))
    used = client.get(link).text
    assert "This link has been used" in used and "Beijing time, submit" in used
    assert chinese_left(used, data) == []
    # The home page after signing in, in English too.
    home = portal()
    page = home.get("/login")
    home.post("/login", data={"email": ENGLISH_OWNER, "csrf": csrf(page.text), "next": "/"})
    sign_in = [link_in(m) for m in mails(stack.sink.folder) if m["To"] == ENGLISH_OWNER and "/login/" in link_in(m)]
    assert use_sign_in_link(home, sign_in[-1]).status_code == 303
    mine = home.get("/").text
    assert "My items" in mine and chinese_left(mine, data) == []


def test_an_english_owners_page_in_a_browser(stack: Stack, monkeypatch):
    port = free_port()
    monkeypatch.setenv("RECTIFLOW_PORTAL_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "窗口推诿",
                     "--owner", ENGLISH_OWNER, "--as", INSPECTOR).split()[0]
    stack.step(code)
    with served_portal(port) as base, browser() as chromium:
        page = chromium.new_page()
        page.goto(base + link_in(last_mail(stack, to=ENGLISH_OWNER, subject=code)))
        assert page.locator("#ack-card h2").inner_text() == "Acknowledge"
        shot(page, "owner-item-english")


ENGLISH_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


def test_chinese_refusals_say_no_english(stack: Stack):
    """The portal's own refusals, in a Chinese bureau: every word Chinese (before, each said
    its English in brackets)."""
    from tests.app.web import ADMIN, OWNER, message, sign_in

    owner = portal()
    sign_in(stack, owner, OWNER)  # a branch secretary: not the ledger's reader
    answers = {
        "not found": portal().get("/nowhere"),
        "wrong method": portal().put("/login"),
        "no form token": portal().post("/login", data={"email": "x@example.org"}),
        "not the role": owner.get("/ledger"),
        "bad parameter": portal().get("/l/x.y/files/many"),
        "unknown action": portal().post("/l/x.y/zz"),  # what was typed is shown as typed
        "bad link": portal().get("/l/nonsense"),
    }
    admin = portal()
    sign_in(stack, admin, ADMIN)
    answers["no such mail"] = admin.get("/mail/1.eml")
    typed = ("1.eml", "zz")  # shown back as typed
    for case, answer in answers.items():
        said = message(answer.text)
        for value in typed:
            said = said.replace(value, "")
        assert answer.status_code >= 400 and said and ENGLISH_WORD.findall(said) == [], (case, said)


def test_english_staff_read_every_staff_page_in_english(stack: Stack):
    """Filing, the checklist, the ledger, the overview and its charts, absences, messengers and
    the mail folder: for staff who read English, no Chinese but names, units and typed text."""
    from tests.app.web import ADMIN, SUPERVISOR, sign_in

    with transaction(stack.engine) as s:
        for person in s.exec(select(Person).where(Person.email.in_([INSPECTOR, SUPERVISOR, ADMIN]))):
            person.language = "en"
            s.add(person)
    title = "窗口推诿"
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", title,
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    stack.cli("round", "open", "2030-06")
    data = [title, *names(stack)]
    pages = {INSPECTOR: ["/", "/file", "/round?month=2030-06", "/ledger", "/ledger?colour=red", "/me/absence",
                         "/me/channels"],
             SUPERVISOR: ["/dashboard", "/ledger"], ADMIN: ["/mail", "/mail/(the first)"]}
    clients = {}
    for who, paths in pages.items():
        client = clients[who] = portal()
        sign_in(stack, client, who)
        for path in paths:
            if path.startswith("/mail/"):  # one mail as the folder shows it (its subject is data)
                name = re.search(r'href="(/mail/[^"]+)"', client.get("/mail").text).group(1)  # type: ignore[union-attr]
                page = client.get(name)
                subject = re.search(r"<h1>(.*?)</h1>", page.text, re.S).group(1)  # type: ignore[union-attr]
                body = re.search(r'<pre id="body">(.*?)</pre>', page.text, re.S).group(1)  # type: ignore[union-attr]
                sender = re.search(r"<th>From</th><td>(.*?)</td>", page.text).group(1)  # type: ignore[union-attr]
                left = chinese_left(page.text, data + [subject, body, sender])
            else:
                page = client.get(path)
                subjects = [str(m["Subject"]) for m in mails(stack.sink.folder)]  # the folder lists them as sent
                left = chinese_left(page.text, data + (subjects if path == "/mail" else []))
            assert page.status_code == 200 and '<html lang="en">' in page.text, (who, path, page.status_code)
            assert left == [], (who, path, left)
    # A refused filing names the field in English too.
    client = clients[INSPECTOR]
    form = client.get("/file").text
    refused = client.post("/file", data={"csrf": csrf(form), "unit": "zb-xinxi", "manifestation": "lan-1",
                                         "title": ""})
    assert refused.status_code == 400 and "Problem:" in refused.text and chinese_left(refused.text, data) == []
