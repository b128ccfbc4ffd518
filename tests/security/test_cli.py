"""The command line refuses what a person mistypes or tries: far dates, control characters,
publishing without a name, bad settings. Exit 2, the field named, nothing changed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.ledger_state import fingerprint
from tests.stack import Stack, runner

ADMIN, INSPECTOR, OWNER = "sun.hongmei@example.org", "zhou.jing@example.org", "gao.peng@example.org"


def refused(stack: Stack, *args: str, field: str) -> str:
    from app.cli import app

    before = fingerprint(stack.engine, stack.data_dir / "evidence")
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, (result.output, result.exception)
    assert f"{field}:" in result.output or f"{field}：" in result.output, result.output
    assert "Traceback" not in result.output
    assert fingerprint(stack.engine, stack.data_dir / "evidence") == before
    return result.output


def filed(stack: Stack) -> str:
    return stack.cli("file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "窗口推诿",
                     "--as", INSPECTOR).strip().splitlines()[0]


def submitted(stack: Stack) -> str:
    code = filed(stack)
    stack.step(code)
    stack.cli("submit", code, "--as", OWNER, "--note", "已整改")
    return code


@pytest.mark.parametrize("now", ["9999-12-31T09:00", "2000-01-01T09:00", "2031-01-01"])
def test_sweep_now_far_from_today_is_refused(stack: Stack, now: str):
    assert "之间" in refused(stack, "sweep", "--now", now, field="now")  # says the window it accepts


@pytest.mark.parametrize("day", ["9999-12-31", "1999-01-01"])
def test_a_calendar_day_far_from_today_is_refused(stack: Stack, day: str):
    refused(stack, "calendar", "set", day, "--holiday", field="day")


@pytest.mark.parametrize("due", ["9999-12-31", "2040-01-01", "2020-01-01"])
def test_review_with_a_far_due_date_is_refused(stack: Stack, due: str):
    code = submitted(stack)
    refused(stack, "review", code, "--as", INSPECTOR, "--return", "缺材料", "--due", due, field="due")


@pytest.mark.parametrize("to", ["9999-12-31", "2035-06-30"])
def test_an_extension_to_a_far_date_is_refused(stack: Stack, to: str):
    code = filed(stack)
    stack.step(code)
    refused(stack, "extend", code, "--to", to, "--reason", "等待", "--as", OWNER, field="to")


@pytest.mark.parametrize("args,field", [
    (["file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "a\x0bb", "--as", INSPECTOR], "title"),
    (["file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "a\nb", "--as", INSPECTOR], "title"),
    (["file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "x" * 201, "--as", INSPECTOR], "title"),
    (["file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "x", "--detail", "\x00",
      "--as", INSPECTOR], "detail"),
    (["calendar", "set", "2027-01-02", "--workday", "--note", "调\x0b休"], "note"),
])
def test_text_with_control_characters_is_refused_on_the_command_line(stack: Stack, args: list[str], field: str):
    refused(stack, *args, field=field)


def test_publishing_a_notice_needs_a_named_publisher(stack: Stack):
    refused(stack, "notice", "build", "2026-10", "--publish", field="as")


def test_submit_refuses_an_empty_evidence_file(stack: Stack, tmp_path: Path):
    code = filed(stack)
    stack.step(code)
    (tmp_path / "空.txt").write_bytes(b"")
    refused(stack, "submit", code, "--as", OWNER, "--note", "x", "--file", str(tmp_path / "空.txt"), field="file")


BAD_SETTINGS = {
    "RECTIFLOW_SECRET_KEY": "too-short", "RECTIFLOW_TIMEZONE": "Mars/Olympus", "RECTIFLOW_DAYS_LIMITED": "0",
    "RECTIFLOW_DUE_WINDOW_DAYS": "100000", "RECTIFLOW_SMTP_PORT": "70000",
    "RECTIFLOW_PORTAL_URL": "javascript:alert(1)", "RECTIFLOW_LANGUAGE": "fr",
    "RECTIFLOW_ESCALATION_FILE": "/no/such/file.yaml", "RECTIFLOW_LINK_DAYS": "-1",
    "RECTIFLOW_MAIL_FROM": "not an address",
}


def test_bad_settings_stop_every_command_before_anything_is_done(tmp_path: Path):
    """Checked when the process starts, every bad one named: nothing filed, no ledger created."""
    data = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "file", "--unit", "zb-xinxi", "--manifestation", "lan-1", "--title", "x",
         "--as", INSPECTOR],
        env={**os.environ, "RECTIFLOW_DATA_DIR": str(data), **BAD_SETTINGS}, capture_output=True, text=True,
        timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for named in BAD_SETTINGS:
        assert f"{named}:" in result.stderr, (named, result.stderr)
    assert not (data / "ledger.db").exists()


def test_peoples_text_is_printed_as_typed_never_as_markup(stack: Stack):
    # B9: square brackets are rich's markup; a refusal quoting them, or a listed reason, is text.
    code = filed(stack)
    stack.step(code)
    out = refused(stack, "split", code, "--as", OWNER, "--part", "zb-bangongshi:[/x]@example.org:2099-01-01:t",
                  field="parts[1].owner")
    assert "[/x]@example.org" in out
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date()
    stack.cli("absence", "declare", "--as", OWNER, "--delegate", "liang.xue@example.org", "--from",
              today.isoformat(), "--to", (today + timedelta(days=2)).isoformat(), "--reason", "[/x] [bold]培训")
    listed = stack.cli("absence", "list")
    assert "[/x] [bold]培训" in listed and "高鹏" in listed


def test_the_shipped_placeholders_are_refused_at_start(tmp_path: Path):
    """B19: deploy/rectiflow.env copied as it ships: its secrets are public, so nothing starts."""
    data = tmp_path / "data"
    shipped = dict(line.split("=", 1) for line in (Path(__file__).resolve().parents[2] / "deploy" / "rectiflow.env")
                   .read_text().splitlines() if line.strip() and not line.startswith("#"))
    secrets = {k: v for k, v in shipped.items() if k in ("RECTIFLOW_SECRET_KEY", "PREFECT_API_AUTH_STRING")}
    assert len(secrets) == 2 and all("CHANGE-ME" in v for v in secrets.values())
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        env={**os.environ, "RECTIFLOW_DATA_DIR": str(data), **secrets}, capture_output=True, text=True,
        timeout=60, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    for named in secrets:
        assert f"{named}: still the placeholder" in result.stderr, (named, result.stderr)
    assert not (data / "ledger.db").exists()
