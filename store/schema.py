"""The ledger's schema comes from migrations (Alembic, store/migrations/): `rectiflow db
upgrade` creates it or brings it to this version, and `rectiflow up` runs the same. It holds
the database's own lock while it works (SQLite's write lock, PostgreSQL's advisory lock),
so several processes starting at once upgrade once and the others find it done. A ledger
made by rectiflow 0.1.0 (tables, no version) is recognised and recorded at the baseline
without touching a row. Other commands only check the version, and refuse a ledger that
is behind (or ahead), naming the command that fixes it."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, text

from messages import RuleError
from store.db import make_engine

BASELINE = "0001"
# This version's newest migration, stated once so that a process opening the ledger checks its
# version with one query and without importing Alembic (a third of a second at every case
# pass); tests/store/test_schema.py checks it against the migrations.
HEAD = "0005"
LOCK_KEY = 727_000_001  # PostgreSQL advisory lock: one upgrader at a time per database


def _config(connection: Connection | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    return HEAD


def migrations_head() -> str:
    """The head as Alembic reads it from the migration files."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or BASELINE


def current(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


Rows = Callable[[Connection], None]  # the rows every ledger has (the rules know which)


def upgrade(engine: Engine, *, rows: Rows) -> tuple[str | None, str]:
    """Create or upgrade the ledger to this version's head, once, under the database's lock,
    then let `rows` add the rows every ledger has. Returns (revision before, revision after)."""
    from alembic import command

    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE holds the write lock from here on
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
        before = current(conn)
        if before is None and inspect(conn).has_table("finding"):
            command.stamp(_config(conn), BASELINE)  # a 0.1.0 ledger: its tables are the baseline
            before = BASELINE
        if before != head():
            command.upgrade(_config(conn), "head")
        rows(conn)  # still under the lock: two processes never both insert them
        after = current(conn)
    assert after is not None
    return before, after


_engines: dict[str, Engine] = {}


def open_database(url: str, *, rows: Rows) -> Engine:
    """The process's engine for a ledger URL. A new, empty database is created by the
    migrations; an existing one must already be at this version (`rectiflow db upgrade`)."""
    if url not in _engines:
        engine = make_engine(url)
        prepare(engine, rows=rows)
        _engines[url] = engine
    return _engines[url]


def prepare(engine: Engine, *, rows: Rows) -> None:
    """For every process that opens the ledger: create an empty one; else check its version."""
    with engine.connect() as conn:
        empty = current(conn) is None and not inspect(conn).has_table("finding")
    if empty:
        upgrade(engine, rows=rows)
    else:
        require_current(engine)


def require_current(engine: Engine) -> None:
    """Refuse to work on a ledger whose schema is not this version's."""
    with engine.connect() as conn:
        found = current(conn)
    wanted = head()
    if found == wanted:
        return
    from alembic.script import ScriptDirectory

    revisions = {r.revision for r in ScriptDirectory.from_config(_config()).walk_revisions()}
    raise RuleError("schema_ahead" if found is not None and found not in revisions else "schema_behind",
                    field="database", value=found or "0.1.0", limit=wanted)
