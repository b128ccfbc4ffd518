"""Text: control characters, line breaks in one-line fields, overlong values, and the writers
(Excel, Word, .ics) that must survive a bad row that got in some other way. The refusals are
checked on SQLite (they happen before the database is touched); storing and exporting on
every backend."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from messages import RuleError
from models.items import commands as cmd
from models.items.extension import request_extension
from models.ledger.export import ledger_workbook
from models.ledger.views import ledger_views
from models.people.directory import finding_by_code, person_by_email
from notifications.ics import deadline_calendar
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import INSPECTOR, SECRETARY, SUPERVISOR, file_and_assign
from tests.security.ledger_state import fingerprint

NOW = at("2026-11-26 09:30")
BAD_CHARS = ["\x00", "\x07", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufffe"]


def file_with(engine, policy, **fields):
    with transaction(engine) as s:
        kw = {"unit": "zb-xinxi", "manifestation": "lan-1", "title": "窗口推诿", "detail": ""} | fields
        return cmd.file(s, actor=person_by_email(s, INSPECTOR), now=NOW, policy=policy, **kw)


@pytest.mark.parametrize("char", BAD_CHARS)
@pytest.mark.parametrize("field", ["title", "detail"])
def test_filing_refuses_control_characters(sqlite_engine, policy, field, char):
    before = fingerprint(sqlite_engine)
    with pytest.raises(RuleError) as refused:
        file_with(sqlite_engine, policy, **{field: f"窗口{char}推诿"})
    assert refused.value.field == field and refused.value.key == "control_char"
    assert f"U+{ord(char):04X}" in refused.value.render("en")
    assert fingerprint(sqlite_engine) == before


@pytest.mark.parametrize("title", ["第一行\n第二行", "a\rb", "a\r\nb"])
def test_a_title_is_one_line(sqlite_engine, policy, title):
    before = fingerprint(sqlite_engine)
    with pytest.raises(RuleError) as refused:
        file_with(sqlite_engine, policy, title=title)
    assert refused.value.key == "line_break" and refused.value.field == "title"
    assert fingerprint(sqlite_engine) == before


def test_multi_line_fields_keep_newlines_and_normalise_cr(engine, policy):
    f = file_with(engine, policy, detail="一\r\n二\r三")
    assert f.detail == "一\n二\n三"


@pytest.mark.parametrize("field,limit", [("title", 200), ("detail", 4000)])
def test_overlong_text_is_refused(sqlite_engine, policy, field, limit):
    before = fingerprint(sqlite_engine)
    with pytest.raises(RuleError) as refused:
        file_with(sqlite_engine, policy, **{field: "长" * (limit + 1)})
    assert refused.value.key == "too_long" and refused.value.field == field
    assert fingerprint(sqlite_engine) == before


@pytest.mark.parametrize("char", ["\x0b", "\x00", "\u202e"])
@pytest.mark.parametrize("command", ["submit", "withdraw", "reassign", "extend"])
def test_commands_refuse_control_characters_in_their_text(sqlite_engine, policy, command, char):
    code = file_and_assign(sqlite_engine, now=NOW, policy=policy)
    before = fingerprint(sqlite_engine)
    with pytest.raises(RuleError) as refused, transaction(sqlite_engine) as s:
        f = finding_by_code(s, code)
        owner = person_by_email(s, SECRETARY)
        if command == "submit":
            cmd.submit(s, actor=owner, finding=f, account=f"已{char}整改", files=[], now=NOW, policy=policy)
        elif command == "withdraw":
            cmd.withdraw(s, actor=person_by_email(s, INSPECTOR), finding=f, reason=f"误{char}报", now=NOW,
                         policy=policy)
        elif command == "reassign":
            cmd.reassign(s, actor=person_by_email(s, SUPERVISOR), finding=f, to="liang.xue@example.org",
                         reason=f"调{char}岗", now=NOW, policy=policy)
        else:
            request_extension(s, actor=owner, finding=f, to=date(2027, 2, 1), reason=f"需{char}要", now=NOW,
                              policy=policy)
    assert refused.value.key == "control_char"
    assert fingerprint(sqlite_engine) == before


def test_exports_survive_a_row_with_control_characters(engine, policy):
    """A title written straight into the database (an older version, a hand edit) must not
    break the Excel ledger, nor the .ics, for everyone."""
    code = file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        f.title, f.detail = "=HYPERLINK(\"x\")\x0b推诿\x01", "a\x1bb"  # (PostgreSQL refuses NUL itself)
        s.add(f)
    with transaction(engine) as s:
        views = ledger_views(s, now=NOW, policy=policy)
    book = load_workbook(BytesIO(ledger_workbook(views)))
    titles = [row[4].value for row in book.active.iter_rows(min_row=2)]
    assert titles == ["'=HYPERLINK(\"x\")推诿"]
    ics = deadline_calendar([{"uid": "u", "due_on": date(9999, 12, 31), "summary": "x\ry\x0b",
                              "description": "a\r\nb\rc", "url": "http://h/l/t"}], stamp=NOW).decode()
    body = [line for line in ics.split("\r\n") if line]
    assert "SUMMARY:x\\ny" in body and "DESCRIPTION:a\\nb\\nc" in body
    assert all(":" in line or line.startswith(" ") for line in body)  # no stray property lines


def test_notice_document_survives_control_characters():
    from docx import Document

    from notifications.notice_doc import _para

    doc = Document()
    _para(doc, "红色\x0b事项\x00")
    assert doc.paragraphs[-1].text == "红色事项"
