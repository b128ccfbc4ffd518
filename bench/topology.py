"""Benchmark: N imported findings → every case run Suspended, on the embedded stack and on the
rehearsal topology (Prefect API ×2 on PostgreSQL + Redis, services, 1 and 2 workers), same
machine, same run; the server side's CPU per case pass; error lines in every log.

    .venv/bin/python bench/topology.py [N ...] [--only embedded|1|2 ...]     (default 300, all three)

Needs PostgreSQL at 127.0.0.1:5432 and redis-server, like the drills.
"""

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from tests.mail import free_port  # noqa: E402
from tests.models.rounds.test_sheet import book, row  # noqa: E402
from tests.topology.rehearsal import descendants, start_topology, stop_topology  # noqa: E402

BIN = Path(sys.executable).parent
TICK = os.sysconf("SC_CLK_TCK")
DEMO_ORG = ROOT / "models" / "data" / "demo_org.yaml"
ERRORS = re.compile(r"database is locked|\" 5\d\d |status_code=5\d\d|Internal Server Error|TimeoutError|ReadTimeout"
                    r"|ConnectTimeout|PoolTimeout")


def cpu(pid: int, *, children: bool = True) -> float:
    """CPU seconds of a process (and of its children it has waited for)."""
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if children else 0)
    return ticks / TICK


def tree_cpu(pid: int) -> float:
    return cpu(pid) + sum(cpu(p) for p in descendants(pid))


def postgres_cpu() -> float:
    """PostgreSQL's CPU: live processes, plus finished backends the postmaster waited for."""
    total = 0.0
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                total += cpu(int(comm.parent.name))
        except OSError:
            continue
    return total


def sheet(folder: Path, n: int) -> Path:
    units = ["zb-xinxi", "zb-zhengce", "zb-bangongshi", "zb-shenpi1", "zb-shenpi2"]
    return book(folder / f"bench-{n}.xlsx", [row(unit=units[i % 5], title=f"压测 {i}") for i in range(n)])


def suspended(api: str, auth: tuple[str, str] | None, n: int) -> int:
    count, offset = 0, 0
    while True:
        page = httpx.post(f"{api}/flow_runs/filter", auth=auth, timeout=30, json={
            "limit": 200, "offset": offset, "flow_runs": {"name": {"like_": "ZG-"}, "state": {
                "name": {"any_": ["Suspended"]}}}}).json()
        count += len(page)
        offset += 200
        if len(page) < 200:
            return count


def wait_suspended(api: str, auth: tuple[str, str] | None, n: int, timeout: float) -> float:
    start = time.monotonic()
    while suspended(api, auth, n) < n:
        if time.monotonic() - start > timeout:
            runs = httpx.post(f"{api}/flow_runs/filter", auth=auth, timeout=30, json={
                "limit": 200, "flow_runs": {"name": {"like_": "ZG-"}}}).json()
            states = Counter(r["state_name"] for r in runs)
            raise SystemExit(f"only {suspended(api, auth, n)} of {n} Suspended after {timeout:.0f} s: {dict(states)}")
        time.sleep(2)
    return time.monotonic() - start


def log_errors(folder: Path) -> int:
    return sum(1 for log in folder.rglob("*.log") for line in log.read_text(errors="replace").splitlines()
               if ERRORS.search(line))


def embedded(n: int, work: Path) -> dict:
    api_port, portal = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    env.update(RECTIFLOW_DATA_DIR=str(work / "rf"), RECTIFLOW_SMTP_PORT=str(free_port()), PREFECT_API_URL=api,
               RECTIFLOW_PREFECT_API_URL=api, RECTIFLOW_PORTAL_PORT=str(portal),
               RECTIFLOW_PORTAL_URL=f"http://127.0.0.1:{portal}")
    subprocess.run([str(BIN / "rectiflow"), "org", "load", str(DEMO_ORG)], env=env, cwd=work, check=True,
                   capture_output=True)
    up = subprocess.Popen([str(BIN / "rectiflow"), "up"], env=env, cwd=work, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                case = f"{api}/deployments/name/rectification-case/rectification-case"
                if httpx.get(case, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the embedded stack did not come up")
            time.sleep(0.5)
        server_pid = int((work / "rf" / "prefect-server.pid").read_text())
        before, stack_before = tree_cpu(server_pid), tree_cpu(up.pid)
        t0 = time.monotonic()
        subprocess.run([str(BIN / "rectiflow"), "import", str(sheet(work, n))], env=env, cwd=work, check=True,
                       capture_output=True)
        took = time.monotonic() - t0 + wait_suspended(api, None, n, timeout=n * 10)
        server = tree_cpu(server_pid) - before
        served = tree_cpu(up.pid) - stack_before - server  # the runner and its run processes
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(60)
    return {"seconds": took, "server_cpu": server, "pg_cpu": 0.0, "worker_cpu": served,
            "errors": log_errors(work / "rf")}


def topology(n: int, work: Path, workers: int) -> dict:
    top = start_topology(work, workers=workers, demo=False)
    try:
        servers = [top.pid(name) for name in top.state["processes"] if name.startswith("prefect-")]
        workers = [top.pid(name) for name in top.state["processes"] if name.startswith("worker-")]
        before, pg_before = sum(tree_cpu(p) for p in servers), postgres_cpu()
        workers_before = sum(tree_cpu(p) for p in workers)
        auth = tuple(top.plan.auth_string.split(":", 1))
        t0 = time.monotonic()
        top.cli("import", str(sheet(work, n)))
        took = time.monotonic() - t0 + wait_suspended(top.plan.api_url, auth, n,  # type: ignore[arg-type]
                                                      timeout=n * 10)
        server = sum(tree_cpu(p) for p in servers) - before
        pg = postgres_cpu() - pg_before
        worker = sum(tree_cpu(p) for p in workers) - workers_before
        return {"seconds": took, "server_cpu": server, "pg_cpu": pg, "worker_cpu": worker,
                "errors": log_errors(top.plan.data_dir / "logs")}
    finally:
        stop_topology(top)


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("sizes", nargs="*", type=int, default=[300])
    ap.add_argument("--only", choices=["embedded", "1", "2"], action="append",
                    help="run only these (embedded, 1 or 2 workers); ratios need the embedded run")
    args = ap.parse_args()
    sizes, only = args.sizes, set(args.only or ["embedded", "1", "2"])
    print("| N | where | all Suspended | per finding | ratio to embedded | API+services CPU/pass | "
          "PostgreSQL CPU/pass | worker CPU/pass | error lines |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        results = {}
        for key, name, run in (("embedded", "embedded (SQLite, served)", lambda w, n=n: embedded(n, w)),
                               ("1", "topology, 1 worker", lambda w, n=n: topology(n, w, 1)),
                               ("2", "topology, 2 workers", lambda w, n=n: topology(n, w, 2))):
            if key not in only:
                continue
            with tempfile.TemporaryDirectory(prefix="rectiflow-bench-") as tmp:
                r = results[name] = run(Path(tmp))
            base = results.get("embedded (SQLite, served)", {}).get("seconds", float("nan"))
            print(f"| {n} | {name} | {r['seconds']:.0f} s | {r['seconds'] / n * 1000:.0f} ms | "
                  f"{r['seconds'] / base:.2f} | {r['server_cpu'] / n * 1000:.0f} ms | "
                  f"{r['pg_cpu'] / n * 1000:.0f} ms | {r['worker_cpu'] / n * 1000:.0f} ms | {r['errors']} |",
                  flush=True)


if __name__ == "__main__":
    main()
