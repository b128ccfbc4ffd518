"""Signed tokens and the type of an upload decided from its content."""

from datetime import UTC, datetime, timedelta

import pytest

from messages import RuleError
from models.items.filetypes import classify, safe_name
from models.links import ITEM, SESSION, Signer, spend
from store.db import transaction
from store.secret import load_secret

NOW = datetime(2026, 11, 26, 10, tzinfo=UTC)
SECRET = "s" * 40


def test_a_token_is_bound_to_its_purpose_person_item_and_time():
    signer = Signer(SECRET)
    token = signer.issue(ITEM, 7, code="ZG-2026-11-0001", expires_at=NOW + timedelta(days=14))
    claim = signer.read(token, ITEM, now=NOW)
    assert (claim.person_id, claim.code) == (7, "ZG-2026-11-0001")
    with pytest.raises(RuleError, match="not valid"):
        signer.read(token, SESSION, now=NOW)  # an item link is not a session
    with pytest.raises(RuleError, match="not valid"):
        Signer("t" * 40).read(token, ITEM, now=NOW)  # another server's secret
    with pytest.raises(RuleError, match="expired on 2026-12-10 18:00 Beijing time"):
        signer.read(token, ITEM, now=NOW + timedelta(days=15))
    assert signer.read(token, ITEM, now=NOW + timedelta(days=15), allow_expired=True).code == "ZG-2026-11-0001"
    assert signer.check_csrf("a", signer.csrf("a")) and not signer.check_csrf("b", signer.csrf("a"))
    with pytest.raises(ValueError):
        Signer("short")


def test_a_spent_token_says_when(engine):
    signer = Signer(SECRET)
    claim = signer.read(signer.issue(ITEM, 1, code="X", expires_at=NOW + timedelta(days=1)), ITEM, now=NOW)
    with transaction(engine) as s:
        spend(s, claim, now=NOW, what="submit")
    with pytest.raises(RuleError) as refused:
        with transaction(engine) as s:
            spend(s, claim, now=NOW, what="submit")
    # When, in the bureau's zone; what, in words (never the command's name); a zone set elsewhere.
    assert refused.value.render("zh") == "链接已使用过（2026-11-26 18:00 北京时间，提交整改材料）"
    assert refused.value.render("en") == "this link has already been used (2026-11-26 18:00 Beijing time, submit)"
    assert "2026-11-26 11:00 Europe/Berlin" in refused.value.render("zh", zone="Europe/Berlin")


def test_the_secret_is_made_once_and_kept_private(tmp_path):
    first = load_secret("", tmp_path)
    assert len(first) >= 32 and load_secret("", tmp_path) == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    assert load_secret("configured" * 4, tmp_path) == "configured" * 4


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("a.png", b"\x89PNG\r\n\x1a\n....", "image/png"),
    ("a.JPG", b"\xff\xd8\xff\xe0....", "image/jpeg"),
    ("a.pdf", b"%PDF-1.7 ...", "application/pdf"),
    ("说明.txt", "整改说明".encode(), "text/plain; charset=utf-8"),
])
def test_accepted_kinds(name, data, mime):
    assert classify(name, data)[1].mime == mime


@pytest.mark.parametrize(("name", "data", "says"), [
    ("a.jpg", b"%PDF-1.7", "does not match its extension: a.jpg"),
    ("a.exe", b"MZ\x90\x00", "not accepted: a.exe"),
    ("a.docx", b"PK\x03\x04not really a zip", "not accepted: a.docx"),
    ("a.txt", b"\xff\xfe\x00bin", "not accepted: a.txt"),
])
def test_refused_kinds(name, data, says):
    with pytest.raises(RuleError, match=says):
        classify(name, data)


def test_names_are_data_only():
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\x\\照片.jpg") == "照片.jpg"
    assert safe_name('a<b>"c".txt') == "abc.txt"
    with pytest.raises(RuleError):
        safe_name("../..")
