"""Benchmark: building the monthly notice in all its formats over a busy month.

    .venv/bin/python bench/notice.py [--items 10000]

Fills a fresh ledger with `items` findings filed in October 2026 across the demo branches
(60 % closed with evidence, some late, 10 % overdue and escalated, 5 % extended), plus a
tenth as many in each of the eleven months before (for the trend), then times one
`build_notice` (figures, chart, Word, Excel ledger, files, draft row) and `publish_notice`,
and the same over a month a tenth the size, measured in the same run, as the baseline.
"""

import argparse
import os
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dateutil.relativedelta import relativedelta  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import select  # noqa: E402

from models.catalogue import DeadlineClass, Manifestation  # noqa: E402
from models.deadlines.escalation import Escalation  # noqa: E402
from models.items.evidence import Evidence, EvidenceFile  # noqa: E402
from models.items.extension import Extension, ExtensionStatus  # noqa: E402
from models.items.finding import Finding, State  # noqa: E402
from models.people.org import Person, Unit, UnitKind  # noqa: E402
from services.demo import DEMO_ORG  # noqa: E402
from services.opening import create_schema  # noqa: E402
from services.rulebook import (
    load_negative_list,
    load_org,  # noqa: E402
)
from store.db import make_engine, transaction  # noqa: E402

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Fri 10:00 in Shanghai, after October closed


def populate(url: str, items: int) -> None:
    engine = make_engine(url)
    create_schema(engine)
    rnd = random.Random(11)
    with transaction(engine) as s:
        load_negative_list(s)
        load_org(s, path=DEMO_ORG)
        branches = [u.id for u in s.exec(select(Unit).where(Unit.kind == UnitKind.branch))]
        mans = list(s.exec(select(Manifestation.id)))
        people = list(s.exec(select(Person.id)))
    rows, plan = [], []
    earlier = [date(2025, 11, 1) + relativedelta(months=i) for i in range(11)]  # Nov 2025 .. Sep 2026
    months = [(d.year, d.month, items // 10) for d in earlier] + [(2026, 10, items)]
    n = 0
    for year, month, count in months:
        for _ in range(count):
            n += 1
            filed = datetime(year, month, rnd.randint(1, 28), rnd.randint(1, 9), tzinfo=UTC)
            due = (filed + timedelta(days=rnd.choice((7, 14, 28)))).date()
            roll = rnd.random()
            closed = None
            if roll < 0.6:
                closed = filed + timedelta(days=rnd.randint(1, 30))
            state = State.closed if closed else State.assigned
            rows.append({"code": f"ZG-{year}-{month:02d}-{n:06d}", "unit_id": branches[n % len(branches)],
                         "manifestation_id": rnd.choice(mans), "title": f"问题{n}", "detail": "抽查发现的问题",
                         "deadline_class": DeadlineClass.limited, "state": state, "filed_by_id": people[0],
                         "filed_at": filed, "owner_id": rnd.choice(people), "assigned_at": filed, "due_on": due,
                         "original_due_on": due, "closed_at": closed, "updated_at": filed,
                         "escalation_level": 0 if closed else (3 if roll > 0.9 else 0)})
            plan.append((roll, filed, due, closed))
    with transaction(engine) as s:
        s.execute(insert(Finding), rows)
        ids = list(s.exec(select(Finding.id).order_by(Finding.id)))
        evidence, escalations, extensions = [], [], []
        for fid, (roll, filed, due, closed) in zip(ids, plan, strict=True):
            if closed:
                account = "已按要求整改到位，制度已修订并组织学习。" * (1 + fid % 2)
                evidence.append({"finding_id": fid, "account": account,
                                 "submitted_by_id": people[1], "submitted_at": closed})
            elif roll > 0.9:
                for level, after in ((1, 1), (2, 7), (3, 14)):
                    escalations.append({"finding_id": fid, "level": level, "due_on": due, "days_overdue": after,
                                        "at": datetime.combine(due + timedelta(days=after), datetime.min.time(),
                                                               tzinfo=UTC)})
            if 0.85 < roll <= 0.9:
                extensions.append({"finding_id": fid, "requested_by_id": people[1], "requested_at": filed,
                                   "from_due": due, "to_due": due + timedelta(days=20), "reason": "等待设备",
                                   "status": ExtensionStatus.approved, "decided_by_id": people[2],
                                   "decided_at": filed + timedelta(days=2)})
        s.execute(insert(Evidence), evidence)
        ev_ids = list(s.exec(select(Evidence.id)))
        s.execute(insert(EvidenceFile), [{"evidence_id": e, "sha256": "ab" * 32, "size": 1000,
                                          "original_name": "照片.jpg"} for e in ev_ids])
        if escalations:
            s.execute(insert(Escalation), escalations)
        if extensions:
            s.execute(insert(Extension), extensions)
    engine.dispose()


def measure(items: int) -> dict[str, float]:
    folder = tempfile.mkdtemp(prefix="rectiflow-bench-notice-")
    url = f"sqlite:///{folder}/ledger.db"
    os.environ["RECTIFLOW_DATA_DIR"] = folder
    os.environ["RECTIFLOW_DATABASE_URL"] = url
    os.environ["RECTIFLOW_SMTP_PORT"] = "1"  # publishing queues mail; nothing is sent here
    from store.settings import get_settings

    get_settings.cache_clear()
    t0 = time.perf_counter()
    populate(url, items)
    seeded = time.perf_counter() - t0
    from services.notices import build_notice, publish_notice

    build_notice("2026-09", AT)  # warm up: imports, the chart's font, templates
    t0 = time.perf_counter()
    summary = build_notice("2026-10", AT)
    built = time.perf_counter() - t0
    tracemalloc.start()  # a second build, for memory only: tracing slows it down
    build_notice("2026-10", AT)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    t0 = time.perf_counter()
    publish_notice("2026-10", AT, "bench")
    published = time.perf_counter() - t0
    sizes = {k: Path(p).stat().st_size / 1024 for k, p in summary.files.items()}
    return {"items": items, "found": summary.figures["totals"]["found"], "seed_s": seeded, "build_s": built,
            "publish_s": published, "peak_mib": peak, **{f"{k}_kib": v for k, v in sizes.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10000)
    args = parser.parse_args()
    base = measure(max(args.items // 10, 1))
    full = measure(args.items)
    for r in (base, full):
        print(f"{r['items']:>6} items in the month ({r['found']} found): build {r['build_s']:.2f} s, "
              f"publish {r['publish_s']:.2f} s, peak {r['peak_mib']:.1f} MiB; "
              f"Word {r['docx_kib']:.0f} KiB, Excel {r['xlsx_kib']:.0f} KiB, chart {r['chart_kib']:.0f} KiB "
              f"(seeding {r['seed_s']:.1f} s)")
    print(f"ratio build {full['build_s'] / base['build_s']:.2f}x for {full['items'] / base['items']:.0f}x the items")


if __name__ == "__main__":
    main()
