"""Benchmark: importing a spreadsheet of findings — read, validate every row, file and
assign them all in one transaction, one mail per owner.

    .venv/bin/python bench/import_sheet.py [ROWS] [--url postgresql+psycopg://...]
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from models.catalogue import manifestations  # noqa: E402
from models.policy import Policy  # noqa: E402
from models.rounds.sheet import file_sheet, validate  # noqa: E402
from services.demo import DEMO_ORG  # noqa: E402
from services.filing import read_sheet
from services.opening import create_schema  # noqa: E402
from services.rulebook import (
    load_negative_list,
    load_org,  # noqa: E402
)
from store.db import make_engine, transaction  # noqa: E402

UNITS = ["zb-bangongshi", "zb-zhengce", "zb-shenpi1", "zb-shenpi2", "zb-xinxi"]
INSPECTORS = ["zhou.jing@example.org", "wu.haitao@example.org", "zheng.yun@example.org"]


def write_sheet(path: str, rows: int, mans: list[str]) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["单位", "具体表现", "问题", "问题描述", "类别", "督察员"])
    for i in range(rows):
        ws.append([UNITS[i % 5], mans[i % len(mans)], f"督察发现问题 第{i}条", "现场检查发现，详见记录。" * 3,
                   "limited", INSPECTORS[i % 3]])
    wb.save(path)


def main() -> None:
    if sys.argv[1:2] == ["--write"]:
        write_sheet(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", type=int, default=10_000)
    ap.add_argument("--url", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/ledger.db"
        engine = make_engine(url)
        create_schema(engine)
        with transaction(engine) as s:
            load_negative_list(s)
            load_org(s, path=DEMO_ORG)
            mans = [m.id for m in manifestations(s)]
        path = Path(tmp) / "sheet.xlsx"
        t0 = time.perf_counter()
        # Written by a child process, so this one's peak memory is the import's alone.
        subprocess.run([sys.executable, __file__, "--write", str(path), str(args.rows), ",".join(mans)], check=True)
        write = time.perf_counter() - t0

        # Peak memory from the process's high-water mark: tracemalloc would slow the
        # allocation-heavy ORM work two-fold and distort the timing.
        t0 = time.perf_counter()
        sheet = read_sheet(path)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        with transaction(engine) as s:
            validate(s, sheet)
        t_check = time.perf_counter() - t0
        assert not sheet.bad, sheet.bad[:3]
        t0 = time.perf_counter()
        with transaction(engine) as s:
            codes = file_sheet(s, sheet, now=datetime(2026, 11, 26, 2, tzinfo=UTC), policy=Policy())
        t_file = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        again = read_sheet(path)
        with transaction(engine) as s:
            validate(s, again)
        t_again = time.perf_counter() - t0
        assert not again.new
        backend = url.split(":")[0]
        print(f"{args.rows} rows on {backend} (sheet written in {write:.1f} s)")
        print(f"read {t_read:.2f} s, validate {t_check:.2f} s, file+assign {t_file:.2f} s "
              f"({t_file / len(codes) * 1000:.2f} ms/row), total {t_read + t_check + t_file:.2f} s, "
              f"peak RSS {peak:.0f} MiB")
        print(f"re-import of the same sheet (read + validate, files nothing): {t_again:.2f} s")


if __name__ == "__main__":
    main()
