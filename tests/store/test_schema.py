"""The schema by migrations: the migrations build exactly the tables the code declares; a
ledger written by rectiflow 0.1.0 upgrades keeping every row and a valid, anchored chain;
several processes creating one ledger at once all succeed; a ledger of another version is
refused with the command that fixes it."""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401
from messages import RuleError
from models.audit.chain import verify_chain
from models.audit.items import item_mismatches
from models.links import anchor_key
from services.opening import create_schema, open_database
from store.db import make_engine, reading
from store.schema import head
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "tests" / "data" / "ledger-0.1.0.db"  # made by tests/data/make_ledger_0_1_0.py at 19334f3


def rows(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"]
        found = {t: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}
    engine.dispose()
    return found


def test_the_migrations_build_what_the_code_declares(engine):
    """Upgraded from nothing (the fixture's ledger), the database matches the metadata exactly."""
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diffs == []


def test_the_stated_head_is_the_newest_migration(engine):
    """store.schema.HEAD (checked by every process without Alembic) is what the migrations say,
    and what an upgraded ledger records."""
    from store.schema import HEAD, current, migrations_head

    with engine.connect() as conn:
        assert migrations_head() == HEAD == current(conn)


# Columns later migrations add, and what they hold in a row that was there before.
# 0004: acknowledged_at (not signed for); channel_id (mail). 0005: staff_no (none given).
ADDED = {"finding": (None, None), "notification": (None,), "person": (None,)}


def test_a_0_1_0_ledger_upgrades_keeping_every_row_and_its_chain(tmp_path):
    ledger = tmp_path / "ledger.db"
    shutil.copy(LEGACY, ledger)
    url = f"sqlite:///{ledger}"
    before = rows(url)
    assert len(before["finding"]) == 6 and len(before["event"]) == 25

    with pytest.raises(RuleError) as refused:  # every other command refuses until it is upgraded
        open_database(url)
    assert refused.value.key == "schema_behind" and "rectiflow db upgrade" in refused.value.render("zh")

    env = {**os.environ, "RECTIFLOW_DATA_DIR": str(tmp_path), "RECTIFLOW_SECRET_KEY": "k" * 40}
    done = subprocess.run([sys.executable, "-m", "app.cli", "db", "upgrade"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert head() in done.stdout and "anchored" in done.stdout
    after = rows(url)
    for table, old in before.items():
        if table == "chainhead":  # gains its anchor column, nothing else changes
            assert [r[:3] for r in after[table]] == old and after[table][0][3]
        elif table in ADDED:  # gains columns at the end, holding what an old row means
            assert [r[:len(o)] for r, o in zip(after[table], old, strict=True)] == old, table
            assert {r[len(o):] for r, o in zip(after[table], old, strict=True)} == {ADDED[table]}, table
        else:
            assert after[table] == old, table
    engine = make_engine(url)
    with reading(engine) as s:
        assert verify_chain(s, key=anchor_key("k" * 40)) == (25, None)
        assert item_mismatches(s) == []
    again = subprocess.run([sys.executable, "-m", "app.cli", "audit", "verify"], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "25 events" in again.stdout, again.stderr


def test_a_ledger_from_a_newer_version_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    create_schema(make_engine(url))
    with sa.create_engine(url).begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(RuleError) as refused:
        open_database(url)
    assert refused.value.key == "schema_ahead"


COMMANDS = (["db", "upgrade"], ["ledger", "--json"], ["db", "upgrade"], ["ledger", "--json"])


def _start_together(url: str, cwd: Path, env: dict, n: int = 4) -> list[subprocess.CompletedProcess]:
    """Two `db upgrade` and two plain commands, all opening one empty ledger at once."""
    procs = [subprocess.Popen([sys.executable, "-m", "app.cli", *COMMANDS[i]], cwd=cwd,
                              env={**env, "RECTIFLOW_DATABASE_URL": url}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


def test_four_processes_creating_one_sqlite_ledger_at_once(tmp_path):
    env = {**os.environ, "RECTIFLOW_DATA_DIR": str(tmp_path)}
    results = _start_together(f"sqlite:///{tmp_path / 'ledger.db'}", ROOT, env)
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr[-500:] for r in results]
    with make_engine(f"sqlite:///{tmp_path / 'ledger.db'}").connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head()


@pytest.mark.skipif(not PG_URL, reason="RECTIFLOW_TEST_DATABASE_URL not set (no PostgreSQL here)")
def test_four_processes_creating_one_postgresql_ledger_at_once(tmp_path):
    name = "rf_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        results = _start_together(url, ROOT, {**os.environ, "RECTIFLOW_DATA_DIR": str(tmp_path)})
        assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr[-500:] for r in results]
        engine = make_engine(url)
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head()
            assert conn.exec_driver_sql("SELECT count(*) FROM chainhead").scalar() == 1
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
