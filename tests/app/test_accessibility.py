"""Every portal page as each role sees it, desktop and phone, checked by axe-core in Chromium
(GB/T 37668 and the 适老化 rules ask for contrast, labels, keyboard use): no serious or
critical violation, and no page wider than a 320-pixel screen. The figures per page are
printed and kept in test-artifacts/axe-{size}.json."""

import json
from pathlib import Path

import pytest

from store.settings import get_settings
from tests.app.browser import PHONE, ROOT, browser, served_portal, shot
from tests.app.second_factor import next_code
from tests.app.web import ADMIN, INSPECTOR, OWNER, SUPERVISOR, admin_key, last_mail, link_in
from tests.mail import free_port, mails, wait_for_mail
from tests.stack import Stack

AXE = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
# 320 CSS pixels wide: the smallest phone, and a 1280-pixel screen zoomed to 400 % (WCAG 1.4.10).
SHOTS = {"/file": "filing-page", "/mail": "mail-folder"}  # kept in test-artifacts/browser/
# "large-text": the reader's text size at 200 % (32 px, set as Chromium's own setting is) on a
# screen zoomed to 200 % (640 CSS pixels): the 适老化 large-text case.
SIZES = {"desktop": {"viewport": {"width": 1280, "height": 900}},
         "phone": {**PHONE, "viewport": {"width": 320, "height": 640}},
         "large-text": {"viewport": {"width": 640, "height": 900}}}


# (A full-page screenshot resets Chromium's text size to 16 px: large-text shots show the screen.)
def new_page(chromium, size: str):
    page = chromium.new_context(bypass_csp=True, **SIZES[size]).new_page()
    if size == "large-text":
        page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    return page


def axe(page) -> list[dict]:
    """The serious and critical violations axe-core finds on the page as it stands."""
    # The portal's CSP forbids inline scripts; the checking context bypasses it (bypass_csp).
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    if page.viewport_size["width"] == 640:  # the large text took: the page follows the reader's size
        assert page.evaluate("() => getComputedStyle(document.body).fontSize") == "32px"
    serious = [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
                "where": [n["target"] for n in v["nodes"][:3]]}
               for v in found if v["impact"] in ("serious", "critical")]
    # Reflow: nothing wider than the screen, so no one scrolls sideways to read a line.
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if wide[0] > wide[1]:
        serious.append({"id": "reflow", "impact": "serious", "nodes": 1, "where": [f"{wide[0]}px in {wide[1]}px"]})
    return serious


def sign_in(page, stack: Stack, base: str, email: str) -> str:
    """Signs in as the person does (the link from the mail, its page's button); the link used."""
    key = admin_key(stack) if email == ADMIN else ""  # enrolled by the operator before the admin signs in
    before = len(mails(stack.sink.folder))
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.click("button[type=submit]")
    page.wait_for_selector(".flash")
    # The link is mailed after the page is sent (so the page's timing tells nothing), among the
    # round's mails: wait for it.
    count = before + 1
    while not (links := [link_in(m) for m in wait_for_mail(stack.sink, count)[before:]
                         if m["To"] == email and "/login/" in m.get_body(("plain",)).get_content()]):
        count += 1
    page.goto(base + links[-1])
    page.click("button[type=submit]")
    if key:  # an administrator's second factor: the code their authenticator shows
        page.wait_for_url(f"{base}/second-factor**")
        page.fill("#code", next_code(key))
        page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return links[-1]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_for_every_role_has_no_serious_violation(stack: Stack, monkeypatch, size: str):
    port = free_port()
    monkeypatch.setenv("RECTIFLOW_PORTAL_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "窗口推诿",
                     "--detail", "群众反映办事需跑多次", "--as", INSPECTOR).split()[0]
    stack.step(code)
    stack.cli("round", "open", "2030-06")  # the checklist with its radio buttons and fields
    owner_link = link_in(last_mail(stack, to=OWNER, subject=code))
    pages = {"owner": [owner_link], INSPECTOR: ["/", "/file", "/round?month=2030-06", "/ledger", f"/items/{code}"],
             SUPERVISOR: ["/dashboard", "/ledger"], ADMIN: ["/mail", "/me/channels", "/me/absence", "/admin/sessions"]}
    figures: dict[str, list[dict]] = {}
    with served_portal(port) as base, browser() as chromium:
        for who, paths in pages.items():
            page = new_page(chromium, size)
            if who == "owner":
                page.goto(f"{base}/login")
                figures[f"{size} /login"] = axe(page)
                page.goto(f"{base}/second-factor")  # an administrator's second step
                figures[f"{size} /second-factor"] = axe(page)
            else:
                used = sign_in(page, stack, base, who)
            for path in paths:
                page.goto(base + path)
                figures[f"{size} {who} {path.split('?')[0] if who != 'owner' else '/l (the mailed link)'}"] = axe(page)
                if path in SHOTS:
                    shot(page, f"{SHOTS[path]}-{size}", full_page=size != "large-text")
            page.context.close()
        # A refusal that tells a time: the used sign-in link, in the bureau's zone.
        page = new_page(chromium, size)
        page.goto(base + used)
        assert "北京时间" in page.inner_text("main") and "UTC" not in page.inner_text("main")
        figures[f"{size} refusal (a used link)"] = axe(page)
        shot(page, f"refusal-used-link-{size}", full_page=size != "large-text")
        page = new_page(chromium, size)
        page.goto(f"{base}/nowhere")
        figures[f"{size} refusal"] = axe(page)
    out = ROOT / "test-artifacts" / f"axe-{size}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    for name, found in figures.items():
        print(f"axe {name}: {sum(v['nodes'] for v in found)} serious/critical")
    assert {name: found for name, found in figures.items() if found} == {}
