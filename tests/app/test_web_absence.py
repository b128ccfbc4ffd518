"""/me/absence: a person declares their own absence and ends it; a supervisor declares one for
someone else; a mistake is a message naming the field, and nothing is kept."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import func, select

from models.people.absence import Absence
from store.db import transaction
from tests.app.web import OWNER, SUPERVISOR, csrf, message, portal, sign_in
from tests.stack import Stack

DELEGATE = "liang.xue@example.org"


def kept(stack: Stack) -> list[tuple[int, bool]]:
    with transaction(stack.engine) as s:
        return [(a.delegate_id, a.ended_at is None) for a in s.exec(select(Absence).order_by(Absence.id))]


def test_declare_see_and_end_an_absence_from_the_portal(stack: Stack):
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    client = portal()
    sign_in(stack, client, OWNER)
    page = client.get("/me/absence")
    assert page.status_code == 200 and "目前没有委托" in page.text and 'name="for"' not in page.text
    token = csrf(page.text)
    form = {"csrf": token, "delegate": DELEGATE, "from": today.isoformat(),
            "to": (today + timedelta(days=4)).isoformat(), "reason": "外出学习"}
    for bad, field in (({"delegate": "wang.jianguo@example.org"}, "delegate"), ({"from": "2026-13-01"}, "from"),
                       ({"reason": ""}, "reason"), ({"for": DELEGATE}, "for")):
        refused = client.post("/me/absence", data={**form, **bad})
        assert refused.status_code == 400 and message(refused.text).startswith(field), (bad, message(refused.text))
    with transaction(stack.engine) as s:
        assert s.exec(select(func.count()).select_from(Absence)).one() == 0
    done = client.post("/me/absence", data=form)
    assert done.status_code == 303
    listed = client.get("/me/absence").text
    assert "梁雪" in listed and "进行中" in listed and len(kept(stack)) == 1
    for bad in ("²", "9" * 300, "0"):  # B6: numbers that are no row are refused, naming the field
        refused = client.post("/me/absence", data={"csrf": token, "end": bad})
        assert refused.status_code == 400 and message(refused.text).startswith("absence"), message(refused.text)
    ended = client.post("/me/absence", data={"csrf": token, "end": "1"})
    assert ended.status_code == 303 and kept(stack)[0][1] is False

    boss = portal()
    sign_in(stack, boss, SUPERVISOR)
    page = boss.get("/me/absence")
    assert 'name="for"' in page.text
    done = boss.post("/me/absence", data={**form, "csrf": csrf(page.text), "for": OWNER,
                                          "from": (today + timedelta(days=7)).isoformat(),
                                          "to": (today + timedelta(days=8)).isoformat()})
    assert done.status_code == 303 and len(kept(stack)) == 2
