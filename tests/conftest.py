"""Shared fixtures: real SQLite files (and PostgreSQL schemas when configured)."""

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from models.policy import Policy
from models.sealed import sealing_key, use_sealing_keys
from services.opening import create_schema
from services.rulebook import load_negative_list, load_org
from store.db import make_engine, transaction

PG_URL = os.environ.get("RECTIFLOW_TEST_DATABASE_URL", "")
# Ledgers the tests open directly (not through a deployment's settings) seal under this key.
TEST_SEALING = sealing_key("tests' own deployment secret, 40 characters")
use_sealing_keys(TEST_SEALING)
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_ORG = os.path.join(os.path.dirname(__file__), "..", "models", "data", "demo_org.yaml")


def at(text: str) -> datetime:
    """A Shanghai wall-clock time as an aware UTC instant: at('2026-11-26 09:00')."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def seed(engine: Engine) -> None:
    from pathlib import Path

    with transaction(engine) as session:
        load_negative_list(session)
        load_org(session, path=Path(DEMO_ORG))


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    create_schema(engine)
    seed(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def engine(request, tmp_path) -> Iterator[Engine]:
    """The seeded ledger on every backend: SQLite always, PostgreSQL when configured."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
        create_schema(engine)
        seed(engine)
        yield engine
        engine.dispose()
        return
    schema = "t_" + uuid.uuid4().hex[:16]
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = make_engine(PG_URL, schema=schema)
    try:
        create_schema(engine)
        seed(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind(request):
    """Set up first, torn down last: after every other fixture has stopped what it started,
    nothing this pytest process started may still run (tests/processes.py)."""
    from tests.processes import leftovers, mark_session

    token = mark_session()
    yield
    left = leftovers(token)
    if left:
        raise AssertionError(f"{len(left)} process(es) the tests started were still running at the end "
                             "(killed now):\n" + "\n".join(f"  {pid}: {cmd[:200]}" for pid, cmd in left.items()))


@pytest.fixture(scope="session")
def prefect_server():
    """One real (in-process) Prefect server for the whole session."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    # A ceiling, not a pause: on a loaded 2-core machine the server has taken over a minute.
    with prefect_test_harness(server_startup_timeout=300):
        yield PREFECT_API_URL.value()


# Per-test stacks on the session's Prefect server, for tests/flows and tests/app.
from tests.stack_fixtures import case_deployment, free_api_url, stack  # noqa: E402, F401

# The longest files first, so the two pytest workers (make test: -n 2 --dist loadfile) end
# together instead of one running the drills alone at the end.
LONGEST_FIRST = ("tests/topology/test_drills.py", "tests/app/test_stack.py", "tests/faults/test_stack_kill.py",
                 "tests/app/test_cli_deadlines.py")


def pytest_collection_modifyitems(items: list) -> None:
    def rank(item) -> int:  # type: ignore[no-untyped-def]
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)
