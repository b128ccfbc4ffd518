"""`/healthz`: what a load balancer asks each portal process."""

import shutil
from pathlib import Path

from store.schema import head
from store.settings import get_settings
from tests.app.web import portal
from tests.mail import free_port
from tests.stack import Stack

LEGACY = Path(__file__).resolve().parents[1] / "data" / "ledger-0.1.0.db"


def test_healthy_when_the_ledger_answers_at_this_schema(stack: Stack):
    answer = portal().get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"ok": True, "schema": head()}
    assert answer.headers["cache-control"] == "no-store"


def test_unhealthy_on_a_ledger_of_another_version(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    shutil.copy(LEGACY, tmp_path / "data" / "ledger.db")
    monkeypatch.setenv("RECTIFLOW_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        answer = portal().get("/healthz")
        assert answer.status_code == 503 and "rectiflow db upgrade" in answer.json()["error"]
    finally:
        get_settings.cache_clear()


def test_unhealthy_when_the_database_does_not_answer(tmp_path, monkeypatch):
    monkeypatch.setenv("RECTIFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RECTIFLOW_DATABASE_URL", f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    get_settings.cache_clear()
    try:
        answer = portal().get("/healthz")
        assert answer.status_code == 503 and answer.json()["error"].startswith("ledger unreachable")
    finally:
        get_settings.cache_clear()
