"""Benchmark: file N findings and bring each case run to Suspended, against N bare runs of
a trivial served deployment on the same Prefect server and runner (ratio printed).

    .venv/bin/python bench/case_runs.py [N] [--limit L]

Starts its own Prefect server (SQLite, temp folder), SMTP sink and serve process.
"""

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.mail import free_port  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=50)
    ap.add_argument("--limit", type=int, default=4)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="rectiflow-bench-"))
    api = f"http://127.0.0.1:{free_port()}/api"
    os.environ.update(PREFECT_API_URL=api, PREFECT_HOME=str(work / "prefect"), RECTIFLOW_DATA_DIR=str(work / "rf"),
                      RECTIFLOW_SMTP_PORT=str(free_port()), PREFECT_RUNNER_POLL_FREQUENCY="2",
                      PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING")
    from notifications.sink import MailSink
    from processes.stack import start_prefect_server

    (work / "rf").mkdir(parents=True)
    sink = MailSink(work / "rf" / "mail", port=int(os.environ["RECTIFLOW_SMTP_PORT"])).start()
    server = start_prefect_server(work / "rf", api)
    served = None
    try:
        from flows.serve import apply_deployments

        apply_deployments()
        served = subprocess.Popen([sys.executable, str(ROOT / "bench" / "serve_bench.py"), str(args.limit)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        case_s, file_ms = asyncio.run(bench_cases(args.n))
        trivial_s = asyncio.run(bench_trivial(args.n))
        mails = len(list((work / "rf" / "mail").glob("*.eml")))
        print(f"N={args.n}, serve limit={args.limit}, 2 s runner poll, Prefect on SQLite")
        print(f"case flow: filing (ledger commit + run created) {file_ms:.1f} ms/finding")
        print(f"case flow: all {args.n} Suspended after {case_s:.1f} s ({case_s / args.n * 1000:.0f} ms/finding),"
              f" {mails} assignment mails delivered")
        print(f"baseline:  {args.n} trivial served runs Completed after {trivial_s:.1f} s"
              f" ({trivial_s / args.n * 1000:.0f} ms/run)")
        print(f"ratio case/trivial: {case_s / trivial_s:.2f}")
    finally:
        for proc in (served, server):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)


async def wait_states(ids: list, state: str, timeout: float = 900) -> float:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = await client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)),
                                               limit=len(ids))
            if sum(1 for r in runs if r.state and r.state.name == state) == len(ids):
                return time.monotonic()
            await asyncio.sleep(0.25)
    raise SystemExit(f"timed out waiting for {len(ids)} runs to be {state}")


async def bench_cases(n: int) -> tuple[float, float]:
    from models.items import commands
    from models.people.directory import person_by_email
    from services.case_runs import start_case_run
    from services.context import now
    from services.context import policy as settings_policy
    from services.demo import DEMO_ORG, SAMPLES
    from services.opening import database_for
    from services.rulebook import load_negative_list, load_org
    from store.db import transaction
    from store.settings import get_settings

    engine = database_for(get_settings())
    with transaction(engine) as s:
        load_negative_list(s)
        load_org(s, path=DEMO_ORG)
    policy = settings_policy()
    t0 = time.monotonic()
    ids = []
    for i in range(n):
        unit, man, inspector, title, _ = SAMPLES[i % len(SAMPLES)]
        with transaction(engine) as s:
            code = commands.file(s, actor=person_by_email(s, inspector), unit=unit, manifestation=man,
                                         title=f"{title} #{i}", now=now(), policy=policy).code
        ids.append(await start_case_run(code))
    filed = time.monotonic()
    done = await wait_states(ids, "Suspended")
    return done - t0, (filed - t0) / n * 1000


async def bench_trivial(n: int) -> float:
    from prefect.deployments import arun_deployment

    t0 = time.monotonic()
    ids = [(await arun_deployment("bench-trivial/bench-trivial", timeout=0, as_subflow=False)).id
           for _ in range(n)]
    done = await wait_states(ids, "Completed")
    return done - t0


if __name__ == "__main__":
    main()
