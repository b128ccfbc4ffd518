"""The rehearsal topology as a test drives it: `rectiflow rehearse` in the background on a
Redis of the test's own (so the drill can restart it) and a mail relay of the test's own (so
the drill can cut it), with helpers to read what every part holds."""

import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from notifications.sink import MailSink, read_mail
from processes.topology import Plan
from tests.waiting import tail, wait_until

BIN = Path(sys.executable).parent
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
DEMO_ORG = Path(__file__).resolve().parents[2] / "models" / "data" / "demo_org.yaml"


def postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{POSTGRES}/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_block(size: int) -> int:
    """Loopback ports below the ephemeral range (32768+), so no port the OS hands out to
    another test's free_port() or client socket lands in the block later."""
    for _ in range(200):
        base = random.randrange(20000, 32000 - size)
        if all(free(base + i) for i in range(size)):
            return base
    raise RuntimeError("no free block of ports")


class Redis:
    """A redis-server of the test's own, restartable on the same port."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder, self.proc = port, folder, None

    def start(self) -> "Redis":
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(lambda: not free(self.port), timeout=20, what="redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def descendants(pid: int) -> list[int]:
    """Every process below pid (a worker's flow-run processes may sit in sessions of their own)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_machine(pid: int) -> None:
    """kill -9 a process and everything below it, at once: what losing its machine does."""
    for p in [pid, *descendants(pid)]:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Topology:
    plan: Plan
    proc: subprocess.Popen
    redis: Redis
    relay: MailSink
    mail: Path

    @property
    def state(self) -> dict[str, Any]:
        return json.loads((self.plan.data_dir / "topology.json").read_text())

    def pid(self, name: str) -> int | None:
        return self.state["processes"][name]["pid"]

    def starts(self, name: str) -> int:
        return self.state["processes"][name]["starts"]

    def env(self, **extra: str) -> dict[str, str]:
        env = self.plan.client_env("operator")
        env.update(extra)
        Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
        return env

    def cli(self, *args: str, ok: bool = True, **extra: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(BIN / "rectiflow"), *args], env=self.env(**extra), capture_output=True, text=True,
                              cwd=self.plan.data_dir, timeout=180)
        if ok:
            assert done.returncode == 0, (args, done.returncode, done.stdout, done.stderr[-3000:])
        return done

    def api(self, path: str, body: dict) -> Any:
        user, _, password = self.plan.auth_string.partition(":")
        r = httpx.post(f"{self.plan.api_url}{path}", json=body, auth=(user, password), timeout=10)
        r.raise_for_status()
        return r.json()

    def ledger(self) -> list[dict]:
        return json.loads(self.cli("ledger", "--json").stdout)

    def case_runs(self) -> list[dict]:
        runs: list[dict] = []
        while True:
            page = self.api("/flow_runs/filter", {"limit": 200, "offset": len(runs),
                                                  "flow_runs": {"name": {"like_": "ZG-"}}})
            runs += page
            if len(page) < 200:
                return runs

    def mails(self) -> list:
        return read_mail(self.mail)


FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def unsettled(top: Topology) -> list[str]:
    """What still keeps the topology from the state every drill must end in; [] when settled:
    every open item has exactly one live case run, and it is Suspended."""
    try:
        items, runs = top.ledger(), top.case_runs()
    except (httpx.HTTPError, AssertionError) as exc:
        return [f"not answering: {exc}"]
    live = Counter(r["name"].split()[0] for r in runs if r["state_type"] not in FINAL)
    suspended = {r["name"].split()[0] for r in runs if r["state_name"] == "Suspended"}
    problems = []
    for item in items:
        code, open_ = item["code"], item["state"] not in ("closed", "withdrawn")
        if open_ and (live[code] != 1 or code not in suspended):
            problems.append(f"{code}: {live[code]} live runs, suspended={code in suspended}")
        if not open_ and live[code]:
            problems.append(f"{code} is {item['state']} with {live[code]} live runs")
    return problems


def settle(top: Topology, *, timeout: float, reconcile: bool = False, **env: str) -> None:
    """Wait until settled; with `reconcile`, run `rectiflow reconcile` between looks (what the
    scheduled reconcile does every five minutes)."""
    def look() -> bool:
        problems = unsettled(top)
        if problems and reconcile:
            top.cli("reconcile", ok=False, **env)
        return not problems
    wait_until(look, timeout=timeout, what="every open item's one case run Suspended", interval=1.0,
               explain=lambda: "\n".join(["--- unsettled:", *unsettled(top)[:20],
                                          tail(top.plan.data_dir.parent / "rehearse.log")]))


def assert_nothing_doubled(top: Topology) -> None:
    keys = Counter(m["X-Rectiflow-Key"] for m in top.mails())
    assert keys and max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]


def start_topology(tmp: Path, *, workers: int = 2, demo: bool = False) -> Topology:
    from tests.mail import free_port

    redis = Redis(free_port(), tmp).start()
    relay_port = free_port()
    relay = MailSink(tmp / "mail", host="127.0.0.1", port=relay_port).start()
    plan = Plan(data_dir=tmp / "topology", postgres=POSTGRES, redis=f"redis://127.0.0.1:{redis.port}/0",
                prefix=f"rf_drill_{os.getpid()}", base_port=free_block(16), relay=f"127.0.0.1:{relay_port}",
                workers=workers)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    # Mail retried within seconds, and a scheduler that looks every few seconds, so the drills
    # see outages end quickly.
    env.update(RECTIFLOW_MAIL_RETRY_BASE_SECONDS="1", RECTIFLOW_MAIL_RETRY_CAP_SECONDS="2",
               PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="3")
    proc = subprocess.Popen(
        [str(BIN / "rectiflow"), "rehearse", "--data", str(plan.data_dir), "--fresh",
         *(["--demo"] if demo else ["--org", str(DEMO_ORG)]), "--workers", str(workers), "--prefix", plan.prefix,
         "--base-port", str(plan.base_port), "--redis", plan.redis, "--relay", plan.relay],
        env=env, cwd=tmp, stdout=(tmp / "rehearse.log").open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    top = Topology(plan, proc, redis, relay, tmp / "mail")
    try:
        wait_until(lambda: proc.poll() is not None or (plan.data_dir / "topology.json").exists(), timeout=240,
                   what="the rehearsal topology up", interval=0.5)
        assert proc.poll() is None, (tmp / "rehearse.log").read_text()[-3000:]
    except BaseException:
        stop_topology(top)
        raise
    return top


def stop_topology(top: Topology) -> None:
    import psycopg

    if top.proc.poll() is None:
        top.proc.send_signal(signal.SIGTERM)
        try:
            top.proc.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(top.proc.pid, signal.SIGKILL)
    with contextlib.suppress(AssertionError):  # a drill may have left the relay stopped
        top.relay.stop()
    top.redis.stop()
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        for which in ("prefect", "ledger"):
            conn.execute(f'DROP DATABASE IF EXISTS "{top.plan.prefix}_{which}" WITH (FORCE)')


def wait_alive(top: Topology, name: str, *, after: int) -> None:
    """Until the rehearsal has started `name` again (its starts counter passed `after`)."""
    wait_until(lambda: top.starts(name) > after and top.pid(name), timeout=60, what=f"{name} started again")
