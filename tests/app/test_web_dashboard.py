"""The portal's dashboard (整改总览): the overview's figures as charts, for supervisors,
leadership and discipline only; months before the first finding say 无数据."""

import re

from tests.app.web import INSPECTOR, OWNER, SUPERVISOR, assigned_item, portal, sign_in
from tests.stack import Stack


def test_dashboard_shows_the_bureau_at_a_glance_to_watchers_only(stack: Stack):
    assigned_item(stack)
    for email in (OWNER, INSPECTOR):  # an owner and an inspector: not theirs to watch
        client = portal()
        sign_in(stack, client, email)
        refused = client.get("/dashboard")
        assert refused.status_code == 403 and "总览仅对机关党委" in refused.text

    client = portal()
    sign_in(stack, client, SUPERVISOR)
    home = client.get("/")
    assert 'href="/dashboard"' in home.text
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    # This month: one found, none closed, one open, not yet signed for (签收); the time is the
    # bureau's, labelled.
    month = re.search(r'<div class="tiles" id="month">.*?</div></div>', html, re.S).group(0)
    assert re.findall(r"<b>(\d+)</b>", month) == ["1", "0", "0", "1", "1"] and "未签收" in month
    assert "（北京时间）" in html
    # Three charts, drawn as SVG in the page; the branch with the item has a bar labelled 1.
    assert html.count("<svg") == 3
    colours = re.search(r'id="chart-colours".*?</svg>', html, re.S).group(0)
    assert "信息中心党支部" in colours and 'fill="#cfd8dc"' in colours  # one open item, not escalated
    # The 12-month trend: the eleven months before the first finding are one shaded span that
    # says 无数据; the rate line has this month's point only (not 100 % for the empty months).
    trend = re.search(r'id="chart-trend".*?</svg>', html, re.S).group(0)
    assert trend.count("无数据") == 1 and trend.count("<circle") == 1
    span = re.search(r'<rect x="26" y="10" width="([\d.]+)" height="120" fill="#f0f0f0"/>', trend)
    assert span and abs(float(span.group(1)) - 11 * (360 - 52) / 12) < 0.2


def test_portal_times_are_the_bureaus_and_say_so(monkeypatch):
    """An item filed at 07:30 in Beijing (23:30 UTC the day before) shows the Beijing day."""
    from datetime import UTC, datetime

    from app.web.pages import TEMPLATES
    from messages.labels import zone_name
    from store.settings import get_settings

    local = TEMPLATES.filters["local"]

    def zone() -> str:  # what a page says beside a time (app/web/pages.py: page)
        return zone_name(get_settings().timezone)

    assert (local(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)), zone()) == ("2026-11-27 07:30", "北京时间")
    assert zone_name(get_settings().timezone, "en") == "Beijing time"
    monkeypatch.setenv("RECTIFLOW_TIMEZONE", "Europe/Berlin")
    get_settings.cache_clear()
    try:
        assert (local(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)), zone()) == ("2026-11-27 00:30", "Europe/Berlin")
    finally:
        monkeypatch.delenv("RECTIFLOW_TIMEZONE")
        get_settings.cache_clear()
