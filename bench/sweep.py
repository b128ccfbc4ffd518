"""Benchmark: the deadline sweep's decision time and peak memory over a large ledger.

    .venv/bin/python bench/sweep.py [--total 100000] [--url sqlite:///...]

Fills a fresh ledger with open (assigned) items, a share of them due within the reminder
horizon or overdue, spread over 1,000 owners in the demo branches, and times one sweep
(reminders, escalations, digests, one transaction) and a second sweep the same morning.
The cost should follow the items due or overdue, not the total.
"""

import argparse
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from models.catalogue import Manifestation  # noqa: E402
from models.deadlines.calendar import WorkCalendar  # noqa: E402
from models.deadlines.escalation import DeadlinePolicy  # noqa: E402
from models.deadlines.sweep import sweep  # noqa: E402
from models.items.finding import Finding, State  # noqa: E402
from models.people.org import Membership, Person, Role, Unit, UnitKind  # noqa: E402
from models.policy import Policy  # noqa: E402
from services.demo import DEMO_ORG  # noqa: E402
from services.opening import create_schema  # noqa: E402
from services.rulebook import (
    load_negative_list,
    load_org,  # noqa: E402
)
from store.db import make_engine, transaction  # noqa: E402

NOW = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Mon 09:00 in Shanghai
TODAY = date(2026, 11, 16)


def populate(url: str, total: int, share: float) -> None:
    engine = make_engine(url)
    create_schema(engine)
    rnd = random.Random(7)
    cal = WorkCalendar()
    with transaction(engine) as s:
        load_negative_list(s)
        load_org(s, path=DEMO_ORG)
        branches = [u.id for u in s.exec(select(Unit).where(Unit.kind == UnitKind.branch))]
        s.execute(insert(Person), [{"email": f"owner{i}@example.org", "name": f"责任人{i}", "active": True}
                                   for i in range(1000)])
        owners = list(s.exec(select(Person.id).where(Person.email.like("owner%"))))  # type: ignore[attr-defined]
        s.execute(insert(Membership), [{"person_id": p, "unit_id": branches[i % 5], "role": Role.owner}
                                       for i, p in enumerate(owners)])
        mans = list(s.exec(select(Manifestation.id)))
        filer = s.exec(select(Person.id).where(Person.email == "zhou.jing@example.org")).one()
    soon = [cal.add_working_days(TODAY, k).day for k in range(0, 4)]  # due today .. in 3 working days
    past = [TODAY - timedelta(days=k) for k in range(1, 22)]
    later = [TODAY + timedelta(days=k) for k in range(10, 120)]
    due_count = int(total * share)
    rows = []
    for i in range(total):
        if i < due_count:
            due = rnd.choice(soon) if i % 2 else rnd.choice(past)
        else:
            due = rnd.choice(later)
        owner = owners[i % len(owners)]
        rows.append({"code": f"ZG-2026-{(i // 9999) + 1:02d}-{i % 9999 + 1:04d}", "unit_id": branches[owner % 5],
                     "manifestation_id": rnd.choice(mans), "title": f"问题 {i}", "detail": "",
                     "deadline_class": "limited", "state": State.assigned, "filed_by_id": filer, "filed_at": NOW,
                     "owner_id": owner, "assigned_at": NOW, "due_on": due, "original_due_on": due,
                     "due_provisional": False, "escalation_level": 0, "version": 2, "updated_at": NOW,
                     "suspended_version": 2, "run_note": "", "published_event_id": 0})
    with transaction(engine) as s:
        for chunk in range(0, len(rows), 5000):
            s.execute(insert(Finding), rows[chunk:chunk + 5000])
    engine.dispose()


def measure(url: str) -> tuple[float, float, float, dict]:
    """Time one sweep (untraced), then the same morning again; peak memory from a second,
    traced sweep on a copy of the ledger taken before the first (tracing slows Python down,
    so it is never in the timed run). A PostgreSQL URL gets no memory figure (0)."""
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
    if path:
        shutil.copyfile(path, path + ".copy")
    engine = make_engine(url)
    t0 = time.perf_counter()
    with transaction(engine) as s:
        result = sweep(s, now=NOW, policy=Policy(), deadlines=DeadlinePolicy())
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction(engine) as s:
        again = sweep(s, now=NOW + timedelta(minutes=30), policy=Policy(), deadlines=DeadlinePolicy())
    second = time.perf_counter() - t0
    assert again.digests == 0 and not again.escalations
    engine.dispose()
    peak = 0.0
    if path:
        copy = make_engine(f"sqlite:///{path}.copy")
        tracemalloc.start()
        with transaction(copy) as s:
            sweep(s, now=NOW, policy=Policy(), deadlines=DeadlinePolicy())
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        copy.dispose()
    return first, second, peak, result.summary()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--total", type=int, default=100_000)
    ap.add_argument("--url", default="")
    args = ap.parse_args()
    results = {}
    for total, share in [(args.total, 0.01), (args.total, 0.10), (args.total // 10, 0.10)]:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.url or f"sqlite:///{tmp}/ledger.db"
            t0 = time.perf_counter()
            populate(url, total, share)
            fill = time.perf_counter() - t0
            first, second, peak, summary = measure(url)
            results[(total, share)] = first
            print(f"{total:>7} open, {share:>4.0%} due/overdue ({int(total * share):>6}): "
                  f"sweep {first:6.2f} s ({first / (total * share) * 1000:.2f} ms per due item), "
                  f"same-morning re-run {second:5.2f} s, peak {peak:6.1f} MiB  "
                  f"[fill {fill:.1f} s; {summary['reminders']} reminders, {summary['escalations']} escalation "
                  f"steps, {summary['digests']} digests]")
    a, b = results[(args.total, 0.01)], results[(args.total, 0.10)]
    c = results[(args.total // 10, 0.10)]
    print(f"ratio 10% / 1% of {args.total}: {b / a:.1f}x (due items x10);"
          f" {args.total // 10} total with the same {args.total // 100} due vs {args.total}: {c / a:.2f}x")


if __name__ == "__main__":
    main()
