"""Engine and session for the ledger: SQLite (WAL, busy timeout) or PostgreSQL."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine


def _private_file(path: Path) -> None:
    """Create the SQLite file owner-only before SQLite does (its -wal and -shm files take the
    database file's permissions): it holds robot keys and every person's data."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for the ledger. `schema` pins PostgreSQL's search_path (tests use it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_file(Path(parsed.database))
        engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            # What is deleted or overwritten is zeroed, not left in free pages (等保 2.0,
            # residual information: a wiped robot key must not linger in a copied file).
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        # Every transaction takes the write lock up front: a command reads, then writes,
        # and a deferred SQLite transaction could not upgrade under a concurrent writer.
        # A reading (below) begins deferred instead: it takes no lock, so pages and reports
        # never queue behind, or block, a command.
        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def forget_plain_text(engine: Engine) -> None:
    """After overwriting secrets: SQLite's write-ahead log still holds the pages as they were
    until a checkpoint; fold it into the database (whose freed space is zeroed) and empty it."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run in one
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One command, one transaction: commit on success, nothing on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


READ_ONLY = "rectiflow_read_only"


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A consistent read of the ledger that changes nothing and (on SQLite) takes no write
    lock: for pages, reports and exports (`audit verify` reads the events and the chain's head
    in one snapshot while commands go on). Nothing is committed: closing the session hands its
    connection back to the pool, which rolls back; what was loaded stays readable."""
    options: dict[str, Any] = {READ_ONLY: True}
    if engine.dialect.name == "postgresql":  # one snapshot for every statement, as SQLite's deferred read has
        options["isolation_level"] = "REPEATABLE READ"
    with Session(engine.execution_options(**options), expire_on_commit=False) as session:
        yield session


def one_at_a_time(session: Session, key: int) -> None:
    """Serialise a job across processes for the rest of this transaction (two sweeps for the
    same day, from two workers): SQLite's transactions already hold the write lock; on
    PostgreSQL, an advisory lock released at commit or rollback."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({int(key)})"))
