"""The CLI for a bureau that reads English (RECTIFLOW_LANGUAGE=en): every line it prints in
English, no Chinese but what people typed or named (names, units, titles)."""

import json
from datetime import date, timedelta

from sqlmodel import select

from models.people.org import Person, Unit
from store.db import transaction
from store.settings import get_settings
from tests.app.test_web_english import chinese_left
from tests.app.web import INSPECTOR, OWNER
from tests.stack import Stack, app, runner


def test_an_english_bureau_reads_every_cli_answer_in_english(stack: Stack, monkeypatch, tmp_path):
    monkeypatch.setenv("RECTIFLOW_LANGUAGE", "en")
    get_settings.cache_clear()
    title = "窗口推诿"
    code = stack.cli("file", "--unit", "信息中心党支部", "--manifestation", "lan-1", "--title", title,
                     "--as", INSPECTOR).split()[0]
    stack.step(code)
    due = json.loads(stack.cli("show", code, "--json"))["due_on"]
    later = (date.fromisoformat(due) + timedelta(days=7)).isoformat()
    with transaction(stack.engine) as s:
        data = [title] + [p.name for p in s.exec(select(Person))] + [u.name for u in s.exec(select(Unit))]
    said = {
        "show": stack.cli("show", code),
        "ledger": stack.cli("ledger"),
        "acknowledge": stack.cli("ack", code, "--as", OWNER),
        "refused": runner.invoke(app, ["extend", code, "--to", due, "--reason", "parts", "--as", OWNER]).output,
        "extend": stack.cli("extend", code, "--to", later, "--reason", "parts on order", "--as", OWNER),
        "sweep": stack.cli("sweep", "--now", f"{due}T09:30"),
        "mail list": stack.cli("mail", "list"),
        "template": stack.cli("import", "--template", str(tmp_path / "sheet.xlsx")),
        "compliance": stack.cli("compliance"),
        "no notice": stack.cli("notice", "show", "2030-01", expect=1),
        "calendar": stack.cli("calendar", "set", (date.fromisoformat(due) + timedelta(days=300)).isoformat(),
                              "--holiday"),
    }
    assert "template written" in said["template"] and "no notice yet" in said["no notice"]
    assert "must be later" in said["refused"] and "waiting for" in said["extend"]
    assert "holiday" in said["calendar"] and "reminders" in said["sweep"]
    assert {what: chinese_left(text, data) for what, text in said.items() if chinese_left(text, data)} == {}
