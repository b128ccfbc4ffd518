"""`rectiflow clock`: the demo stack's one clock, moved for every reader at once, so a sweep
three weeks ahead and the pages after it agree (not the sweep's clock alone)."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from store.settings import get_settings
from tests.app.test_cli import refused
from tests.stack import Stack

INSPECTOR = "zhou.jing@example.org"


def test_the_whole_stack_moves_ahead_and_back(stack: Stack):
    code = stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "推诿",
                     "--as", INSPECTOR).split()[0]
    stack.step(code)  # assigned: five working days
    shown = stack.cli("clock", "ahead", "21")
    later = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=21)
    assert f"{later:%Y-%m-%d}" in shown and "21 天后" in shown
    stack.cli("sweep")  # no --now: the stack's clock
    [item] = json.loads(stack.cli("ledger", "--json"))
    # The sweep and the ledger read one moment: red and overdue together, never red beside 逾期 0.
    assert item["escalation_level"] >= 1 and item["overdue"] is True and item["working_days_left"] < 0
    stack.cli("clock", "reset")
    [item] = json.loads(stack.cli("ledger", "--json"))
    assert item["overdue"] is False and item["working_days_left"] > 0
    assert not (stack.data_dir / "clock-shift").exists()


def test_a_deployment_s_clock_never_moves(stack: Stack, monkeypatch):
    monkeypatch.setenv("RECTIFLOW_SMTP_HOST", "mail.example.org")  # a real relay: not the demo stack
    get_settings.cache_clear()
    try:
        refused(stack, "clock", "ahead", "21", says="只有本机演示环境")
        assert not (stack.data_dir / "clock-shift").exists()
    finally:
        monkeypatch.delenv("RECTIFLOW_SMTP_HOST")
        get_settings.cache_clear()
