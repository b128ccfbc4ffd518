"""Benchmark: a sheet of N findings imported into the embedded stack (`rectiflow up --demo`),
until every case run is Suspended — the import's own time, the time to the last Suspended,
the most runs ever Late at once, and "database is locked" lines in the Prefect server's log.
Then, side by side on the same Prefect server, the baseline: N runs of a trivial flow
created the same way (one by one) and served by a runner with the same limit, until all
are Completed; the ratio of the two times is printed.

    .venv/bin/python bench/burst.py [N] [--no-baseline] [ENV=VALUE ...]

ENV=VALUE pairs go to the stack (e.g. PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS=15 for
Prefect's default, as the baseline). Starts and stops its own stack in a temporary folder.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mail import free_port  # noqa: E402

UNITS = ["zb-bangongshi", "zb-zhengce", "zb-shenpi1", "zb-shenpi2", "zb-xinxi"]
MANIFESTATIONS = ["lan-1", "lan-2", "san-1", "fu-1", "tuo-1", "yong-1"]


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--no-baseline"]
    n = int(args[0]) if args else 150
    extra = dict(a.split("=", 1) for a in args[1:])
    work = Path(tempfile.mkdtemp(prefix="rectiflow-burst-"))
    api = f"http://127.0.0.1:{free_port()}/api"
    portal = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    env.update(RECTIFLOW_DATA_DIR=str(work / "rf"), RECTIFLOW_SMTP_PORT=str(free_port()),
               RECTIFLOW_PREFECT_API_URL=api, PREFECT_API_URL=api, RECTIFLOW_PORTAL_PORT=str(portal),
               RECTIFLOW_PORTAL_URL=f"http://127.0.0.1:{portal}", **extra)
    exe = str(Path(sys.executable).parent / "rectiflow")
    stack = subprocess.Popen([exe, "up", "--demo"], cwd=work, env=env, stdout=(work / "up.log").open("w"),
                             stderr=subprocess.STDOUT, start_new_session=True)

    def count(name: str, flow: str = "") -> int:
        query: dict = {"flow_runs": {"state": {"name": {"any_": [name]}}}}
        if flow:
            query["flows"] = {"name": {"any_": [flow]}}
        try:
            return httpx.post(f"{api}/flow_runs/count", json=query, timeout=10).json()
        except (httpx.HTTPError, ValueError):
            return -1

    try:
        deadline = time.monotonic() + 180
        while count("Suspended") < 5:  # the demo's five
            if time.monotonic() > deadline:
                raise SystemExit("the demo's case runs did not reach Suspended")
            time.sleep(1)
        book = Workbook()
        ws = book.active
        ws.append(["单位", "具体表现", "问题", "问题描述", "类别", "督察员"])
        for i in range(n):
            ws.append([UNITS[i % 5], MANIFESTATIONS[i % 6], f"问题{i}", "描述", "limited", "zhou.jing@example.org"])
        book.save(work / "sheet.xlsx")
        t0 = time.monotonic()
        subprocess.run([exe, "import", str(work / "sheet.xlsx")], cwd=work, env=env, capture_output=True, check=True)
        imported = time.monotonic() - t0
        late_max = 0
        while count("Suspended") < n + 5 and time.monotonic() - t0 < 3600:
            late_max = max(late_max, count("Late"))
            time.sleep(2)
        total = time.monotonic() - t0
        server_log = work / "rf" / "prefect-server.log"
        locked = server_log.read_text(errors="ignore").count("database is locked")
        figures = {"findings": n, "env": extra, "import_s": round(imported, 1),
                   "all_suspended_s": round(total, 1), "s_per_run": round(total / n, 2),
                   "late_at_most": late_max, "database_is_locked_lines": locked}
        print(json.dumps(figures), flush=True)
        if "--no-baseline" not in sys.argv:
            bare = baseline(n, api, env, count)
            bare["database_is_locked_lines"] = server_log.read_text(errors="ignore").count("database is locked") \
                - locked
            print(json.dumps({"bare_runs": bare}))
            print(f"ratio case burst / bare burst: {total / bare['all_completed_s']:.2f}")
    finally:
        _stop(stack)


def baseline(n: int, api: str, env: dict[str, str], count: Callable[..., int]) -> dict[str, float]:
    """N trivial runs on the same server: created one by one, served with the stack's limit."""
    import asyncio

    env = {**env, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}  # as the stack's runner polls (app/context.py)
    serve = subprocess.Popen([sys.executable, "-c", SERVE_TRIVIAL], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        async def create() -> None:
            from prefect.client.orchestration import get_client

            async with get_client() as client:
                deadline = time.monotonic() + 120
                while True:
                    try:
                        dep = await client.read_deployment_by_name("bench-trivial/bench-trivial")
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        await asyncio.sleep(1)
                for _ in range(n):
                    await client.create_flow_run_from_deployment(dep.id)

        os.environ["PREFECT_API_URL"] = api
        t0 = time.monotonic()
        asyncio.run(create())
        created = time.monotonic() - t0
        late_max = 0
        while count("Completed", "bench-trivial") < n and time.monotonic() - t0 < 3600:
            late_max = max(late_max, count("Late", "bench-trivial"))
            time.sleep(2)
        total = time.monotonic() - t0
        return {"runs": n, "create_s": round(created, 1), "all_completed_s": round(total, 1),
                "s_per_run": round(total / n, 2), "late_at_most": late_max}
    finally:
        _stop(serve)


def _stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:  # a runner can take long to let go of its last runs
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


SERVE_TRIVIAL = """
from prefect import serve
from bench.trivial import trivial
serve(trivial.to_deployment(name="bench-trivial"), limit=4, print_starting_message=False)
"""


if __name__ == "__main__":
    main()
