"""In headless Chromium: the owner opens the link in their mail on a phone, signs for the
item (签收) in one click, then uploads a photo and a note in three clicks; the reviewer's
link accepts; the case run is Completed in the Prefect API.
A screenshot of each page is kept in test-artifacts/browser/."""

from PIL import Image
from prefect.client.schemas.objects import StateType

from models.people.directory import finding_by_code
from store.db import transaction
from store.settings import get_settings
from tests.app.browser import PHONE, SHOTS, browser, off_loop, served_portal, shot
from tests.app.web import INSPECTOR, OWNER, VERIFIER, jpeg, last_mail, link_in
from tests.mail import free_port
from tests.stack import Stack


def test_owner_and_reviewer_in_a_real_browser(stack: Stack, monkeypatch, tmp_path):
    port = free_port()
    monkeypatch.setenv("RECTIFLOW_PORTAL_URL", f"http://127.0.0.1:{port}")
    get_settings.cache_clear()
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "窗口推诿扯皮",
                     "--detail", "群众反映办事需跑多次", "--as", INSPECTOR).strip().splitlines()[0]
    stack.step(code)
    photo = tmp_path / "整改后.jpg"
    photo.write_bytes(jpeg("green"))
    with served_portal(port) as base, browser() as chromium:
        # The owner, on a phone: the mail's link, then one click signs for the item (签收).
        owner_link = link_in(last_mail(stack, to=OWNER, subject=code))
        phone = chromium.new_context(**PHONE).new_page()
        phone.goto(base + owner_link)
        assert phone.locator("h1").inner_text().startswith(code)
        assert phone.locator(".card h2").nth(0).inner_text() == "签收"  # the first thing offered
        shot(phone, "0-owner-acknowledge")
        phone.click("#acknowledge")
        phone.wait_for_selector("#done")
        assert "已签收" in phone.inner_text("#done") and "尚未签收" not in phone.inner_text("#acknowledged")
        with transaction(stack.engine) as s:
            assert finding_by_code(s, code).acknowledged_at is not None  # in the ledger
        off_loop(lambda: stack.step(code))  # the pass the acknowledgement woke
        # Then, on the same link: write the note (1), choose the photo (2), submit (3).
        shot(phone, "1-owner-item")
        phone.fill("#note", "已设立首问负责窗口，当日办结")
        phone.set_input_files("#files", str(photo))
        phone.click("#submit")
        phone.wait_for_selector("#done")
        assert "已提交整改材料" in phone.inner_text("#done") and phone.inner_text("#state") == "待验收"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # fits the phone's width
        shot(phone, "2-owner-submitted")

        assert off_loop(lambda: stack.flow_run(code)).state.type is StateType.SCHEDULED  # resumed by the portal
        off_loop(lambda: stack.step(code))
        review_link = link_in(last_mail(stack, to=VERIFIER, subject=code))
        desk = chromium.new_page()
        desk.goto(base + review_link)
        preview = desk.locator("img.preview")
        assert preview.count() == 1 and desk.evaluate("document.querySelector('img.preview').naturalWidth") == 64
        shot(desk, "3-reviewer-evidence")
        desk.click("#accept")
        desk.wait_for_selector("#done")
        assert desk.inner_text("#state") == "已销号"
        shot(desk, "4-reviewer-closed")
    assert stack.step(code).state.type is StateType.COMPLETED
    names = ("0-owner-acknowledge", "1-owner-item", "2-owner-submitted", "3-reviewer-evidence", "4-reviewer-closed")
    assert all(Image.open(SHOTS / f"{n}.png").width >= 390 for n in names)
