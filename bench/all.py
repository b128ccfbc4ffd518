"""`make bench`: every benchmark at a size that finishes in a few minutes, one table.

    .venv/bin/python bench/all.py [--scale K]

Each bench runs in its own process (as printed by itself, kept in bench-output.txt) and its
figures are gathered here with the ratio each reports against its own baseline, measured in
the same run, beside the goal of issue 13. `--scale` multiplies the sizes (the goals are
stated for the full sizes: case runs 50, sweep 100,000, notice 10,000, import 10,000, burst
1,000 (`bench/burst.py 1000`, about an hour) —
`--scale 10` on a quiet machine for the notice and import, the sweep's own default for it).
"""

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Bench:
    name: str
    argv: list[str]
    figures: list[tuple[str, str, str]]  # (label, regex with one group, goal)


def benches(scale: int) -> list[Bench]:
    total = 10_000 * scale
    return [
        Bench("case pass vs bare served run", ["bench/case_runs.py", str(20 * scale)], [
            ("ms per case run to Suspended", r"\((\d+) ms/finding\)", ""),
            ("ms per bare served run", r"\((\d+) ms/run\)", ""),
            ("ratio case/bare", r"ratio case/trivial: ([\d.]+)", "<= 1.2"),
        ]),
        Bench("deadline sweep", ["bench/sweep.py", "--total", str(total)], [
            ("s, 1 % due", rf"\b{total} open,\s+1% due/overdue \(\s*\d+\): sweep\s+([\d.]+) s", "<= 1 s at 100,000"),
            ("s, 10 % due", rf"\b{total} open,\s+10% due/overdue \(\s*\d+\): sweep\s+([\d.]+) s",
             "<= 8 s at 100,000"),
            ("MiB peak, 1 % due", rf"\b{total} open,\s+1% due/overdue[^\n]*?peak\s+([\d.]+) MiB", ""),
            ("MiB peak, 10 % due", rf"\b{total} open,\s+10% due/overdue[^\n]*?peak\s+([\d.]+) MiB",
             "flat in the due count"),
            ("ratio 10 % / 1 %", r"ratio 10% / 1% of \d+: ([\d.]+)x", "~10 (linear in due)"),
        ]),
        Bench("monthly notice", ["bench/notice.py", "--items", str(1000 * scale)], [
            ("s to build, full month (the last line)", r"items in the month \(\d+ found\): build ([\d.]+) s", ""),
            ("ratio full / tenth", r"ratio build ([\d.]+)x", "<= 10 (linear); <= 5 s at 10,000"),
        ]),
        Bench("sheet import", ["bench/import_sheet.py", str(1000 * scale)], [
            ("ms per row, file + assign", r"\(([\d.]+) ms/row\)", "<= 2 ms/row"),
            ("MiB peak RSS", r"peak RSS (\d+) MiB", "<= 150 MiB"),
        ]),
        Bench("burst on the embedded stack", ["bench/burst.py", str(40 * scale)], [
            ("s, imported findings all Suspended", r'"all_suspended_s": ([\d.]+)', ""),
            ("s, as many bare runs all Completed", r'"all_completed_s": ([\d.]+)', ""),
            ("ratio case burst / bare burst", r"ratio case burst / bare burst: ([\d.]+)", "<= 1.2 (1,000)"),
            ("most case runs Late at once", r'"findings".*?"late_at_most": (\d+)', "0"),
            ('"database is locked" lines', r'"findings".*?"database_is_locked_lines": (\d+)', "0"),
        ]),
        Bench("outbox with messengers", ["bench/messenger.py", str(100 * scale)], [
            ("ms per row, mail only", r"mail only: \d+ rows in [\d.]+ s \(([\d.]+) ms/row\)", ""),
            ("ms per row, mail + WeCom + DingTalk", r"DingTalk: \d+ rows in [\d.]+ s \(([\d.]+) ms/row\)", ""),
            ("ratio per row", r"ratio per row with messengers / mail only: ([\d.]+)", ""),
        ]),
        Bench("access controls", ["bench/access.py"], [
            ("µs, lock-out check, 200,000 attempts", r"lock-out check, busy\s+([\d.]+) µs", "<= 2 ms"),
            ("ratio to an empty record", r"lock-out check, 200,000 attempts / empty: ([\d.]+)", ""),
            ("µs, session check, 20,000 sessions", r"session check, busy\s+([\d.]+) µs", ""),
            ("µs, open a sealed robot key", r"open a robot key\s+([\d.]+) µs", ""),
        ]),
        Bench("portal submit", ["bench/portal_submit.py", str(10 * scale)], [
            ("ms, portal answered, median", r"portal answered[^\n]*?median\s+(\d+) ms", ""),
            ("ms, run resumed in the API, median", r"run resumed in the API\s+median\s+(\d+) ms", "<= 300"),
        ]),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=1)
    args = ap.parse_args()
    log = ROOT / "bench-output.txt"
    rows: list[tuple[str, str, str, str]] = []
    with log.open("w", encoding="utf-8") as out:
        for b in benches(args.scale):
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, *b.argv], cwd=ROOT, capture_output=True, text=True, timeout=3600)
            took = time.perf_counter() - t0
            text = done.stdout + done.stderr
            out.write(f"$ {' '.join(b.argv)}  ({took:.0f} s, exit {done.returncode})\n{done.stdout}\n")
            if done.returncode:
                out.write(f"stderr:\n{done.stderr[-4000:]}\n")
            for label, pattern, goal in b.figures:
                found = re.findall(pattern, text)
                rows.append((b.name, label, found[-1] if found else f"? (exit {done.returncode})", goal))
    width = max(len(f"{n}: {lab}") for n, lab, _, _ in rows)
    print(f"{'figure':{width}}  {'value':>10}  goal")
    for name, label, value, goal in rows:
        print(f"{name + ': ' + label:{width}}  {value:>10}  {goal}")
    print(f"(each bench's own output: {log.name})")


if __name__ == "__main__":
    main()
