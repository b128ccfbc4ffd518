"""The cost of the 等保 controls on every request, on a real SQLite ledger:

- the lock-out check (run before every sign-in) with 200,000 recorded attempts (a bureau
  under a long brute-force run) against an empty record (the baseline);
- a session's check (every staff page) with 20,000 sessions in the ledger against one;
- sealing and opening a robot key (every messenger post opens one).

    .venv/bin/python bench/access.py
"""

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.access.attempts import LockOut, SignInAttempt, locked_until  # noqa: E402
from models.access.sessions import PortalSession, live, session_digest  # noqa: E402
from models.sealed import seal, sealing_key, unseal  # noqa: E402
from services.opening import create_schema  # noqa: E402
from store.db import make_engine, reading, transaction  # noqa: E402
from tests.conftest import seed  # noqa: E402

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
RULE = LockOut(5, timedelta(minutes=15))


def timed(fn, rounds: int = 200) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def ledger(folder: Path, name: str, attempts: int, sessions: int):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{folder / name}")
    create_schema(engine)
    seed(engine)
    with transaction(engine) as s:
        rows = [dict(at=NOW - timedelta(seconds=i * 7), person_id=(i % 20) + 1, identity="",
                     address=f"10.0.{i % 250}.{i % 200}", method="link", ok=i % 3 == 0,
                     why="" if i % 3 == 0 else "link_invalid") for i in range(attempts)]
        if rows:
            s.execute(SignInAttempt.__table__.insert(), rows)  # type: ignore[attr-defined]
        s.execute(PortalSession.__table__.insert(), [  # type: ignore[attr-defined]
            dict(digest=session_digest(f"s{i}"), person_id=(i % 20) + 1, method="link", address="", agent="",
                 started_at=NOW - timedelta(minutes=i % 600), last_seen_at=NOW - timedelta(minutes=i % 40),
                 expires_at=NOW + timedelta(hours=6)) for i in range(sessions)])
    return engine


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="access-"))
    empty, busy = ledger(folder, "empty.db", 0, 1), ledger(folder, "busy.db", 200_000, 20_000)
    figures = {}
    for label, engine in (("empty", empty), ("busy", busy)):
        with reading(engine) as s:
            figures[f"lock-out check, {label}"] = timed(lambda s=s: locked_until(
                s, now=NOW, rule=RULE, person_id=7, address="10.0.7.7"))
            figures[f"session check, {label}"] = timed(lambda s=s: live(
                s.get(PortalSession, session_digest("s0")), now=NOW, idle=timedelta(minutes=30)))
            s.expunge_all()
    key = (sealing_key("a deployment secret of forty characters!"),)
    sealed = seal("693a91f6-4d2e-4b7e-9c55-1f0e2d3c4b5a", purpose="channel.target", keys=key)
    figures["seal a robot key"] = timed(lambda: seal("693a91f6-4d2e-4b7e-9c55", purpose="channel.target", keys=key),
                                        2000)
    figures["open a robot key"] = timed(lambda: unseal(sealed, purpose="channel.target", keys=key), 2000)
    for name, ms in figures.items():
        print(f"{name:32} {ms * 1000:9.1f} µs")
    lock = figures["lock-out check, busy"] / figures["lock-out check, empty"]
    check = figures["session check, busy"] / figures["session check, empty"]
    print(f"lock-out check, 200,000 attempts / empty: {lock:.2f} ×")
    print(f"session check, 20,000 sessions / one:     {check:.2f} ×")


if __name__ == "__main__":
    main()
