"""Backups beyond one machine: the PostgreSQL ledger dumped while in use (pg_dump), verified
in a scratch database that is dropped after, and restored into an empty database."""

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from messages import RuleError
from services import backup
from services.opening import create_schema
from store.db import make_engine
from store.settings import get_settings
from tests.conftest import PG_URL, seed

pytestmark = pytest.mark.skipif(not PG_URL, reason="RECTIFLOW_TEST_DATABASE_URL not set (no PostgreSQL here)")


def database(admin: sa.Engine, name: str) -> str:
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def test_a_postgresql_ledger_backs_up_verifies_and_restores(tmp_path: Path, monkeypatch):
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    names = [f"rf_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    try:
        source, target = (database(admin, n) for n in names)
        engine = make_engine(source)
        create_schema(engine)
        seed(engine)
        engine.dispose()
        monkeypatch.setenv("RECTIFLOW_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("RECTIFLOW_SECRET_KEY", "p" * 40)
        monkeypatch.setenv("RECTIFLOW_DATABASE_URL", source)
        get_settings.cache_clear()

        made = backup.create(tmp_path / "backup")
        assert (tmp_path / "backup" / "ledger.dump").is_file() and made.events >= 0
        assert backup.verify(tmp_path / "backup").items == 0
        with admin.connect() as conn:  # the scratch database is gone
            left = conn.exec_driver_sql("SELECT count(*) FROM pg_database WHERE datname LIKE 'rectiflow_verify_%%'")
            assert left.scalar() == 0

        with pytest.raises(RuleError) as refused:  # the source has a ledger: never restored over
            backup.restore(tmp_path / "backup")
        assert refused.value.key == "restore_not_empty"
        monkeypatch.setenv("RECTIFLOW_DATABASE_URL", target)
        monkeypatch.setenv("RECTIFLOW_DATA_DIR", str(tmp_path / "elsewhere"))
        get_settings.cache_clear()
        backup.restore(tmp_path / "backup")
        restored = sa.create_engine(target)
        with restored.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM person").scalar() == 23
        restored.dispose()
    finally:
        get_settings.cache_clear()
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
