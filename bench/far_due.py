"""`rectiflow ledger` on a ledger holding an item due in the year 9999 vs one without.

Before the fix, a working-day count walked day by day to the due date (81-149 s for the
ledger, and every other command then waited on SQLite's write lock). Now a count is
constant time and reports read without the write lock: the two must take the same time.

    .venv/bin/python bench/far_due.py [ITEMS]
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(data: Path, items: int, far: bool) -> None:
    os.environ["RECTIFLOW_DATA_DIR"] = str(data)
    from models.items import commands as cmd
    from models.people.directory import finding_by_code, person_by_email
    from models.policy import Policy
    from services.opening import create_schema
    from services.rulebook import load_negative_list, load_org
    from store.db import make_engine, transaction

    engine = make_engine(f"sqlite:///{data / 'ledger.db'}")
    create_schema(engine)
    now, policy = datetime(2026, 11, 27, 1, 0, tzinfo=UTC), Policy()
    with transaction(engine) as s:
        load_negative_list(s)
        load_org(s, path=ROOT / "models" / "data" / "demo_org.yaml")
        inspector = person_by_email(s, "zhou.jing@example.org")
        units = ["zb-xinxi", "zb-zhengce", "zb-shenpi1", "zb-shenpi2", "zb-bangongshi"]
        for i in range(items):
            f = cmd.file(s, actor=inspector, unit=units[i % 5], manifestation="lan-1", title=f"问题 {i}",
                                 now=now, policy=policy)
            cmd.assign(s, actor=None, finding=f, now=now, policy=policy, mail=False)
    if far:  # as an older version let a verifier set it
        with transaction(engine) as s:
            finding_by_code(s, "ZG-2026-11-0001").due_on = date(9999, 12, 31)
    engine.dispose()


def timed(data: Path, runs: int = 3) -> float:
    env = {**os.environ, "RECTIFLOW_DATA_DIR": str(data), "COLUMNS": "200"}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "rectiflow"), "ledger"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    root = Path(tempfile.mkdtemp(prefix="far-due-"))
    try:
        build(root / "plain", items, far=False)
        build(root / "far", items, far=True)
        plain, far = timed(root / "plain"), timed(root / "far")
        print(f"rectiflow ledger, {items} items (median of 3 runs, whole command):")
        print(f"  without a far due date : {plain:.2f} s")
        print(f"  one item due 9999-12-31: {far:.2f} s  (ratio {far / plain:.2f})")
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
