"""`rectiflow rehearse`: Prefect's self-hosting topology with rectiflow on it, on one machine.

Every process is the real command deploy/ puts on its own machine, on loopback ports:

    prefect server database upgrade -y                 once (migrations never run on start)
    prefect server start --no-services   × apis        the API and UI, behind the auth string
    prefect server services start        × 1           scheduler, automations, late runs …
    rectiflow db upgrade                                once: the ledger's schema, the shared folder
    prefect work-pool create / prefect deploy --all     the deployments of prefect.yaml
    rectiflow check --role worker && prefect worker start --pool rectiflow --limit 4   × workers
    rectiflow check --role portal && rectiflow portal    × portals

Prefect on PostgreSQL and Redis (as the machine provides them), the ledger on PostgreSQL,
each worker and portal with a data folder of its own (as on separate machines) and one
shared folder for evidence. Two loopback balancers stand in for nginx; a mail sink stands
in for the bureau's relay. A process that exits is started again after a second, as
systemd's Restart=always does on real machines.
"""

import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from store.files import write_whole

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POOL = "rectiflow"
# The settings Prefect's self-hosting guide gives for Redis (prefect-redis).
REDIS_SERVER = {
    "PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
    "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
    "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
    "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
}


@dataclass
class Plan:
    data_dir: Path
    postgres: str = "postgresql://postgres@127.0.0.1:5432"
    redis: str = "redis://127.0.0.1:6379/10"  # messaging here, the services' docket on the next db
    prefix: str = "rectiflow_rehearsal"
    base_port: int = 4400
    apis: int = 2
    workers: int = 2
    portals: int = 2
    limit: int = 4
    relay: str = ""  # host:port of an SMTP relay; empty: a mail sink of the rehearsal's own
    extra_env: dict[str, str] = field(default_factory=dict)

    # Ports: the API balancer, then each API; the portal balancer, then each portal; the relay.
    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}/api"

    def api_port(self, i: int) -> int:
        return self.base_port + i

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.base_port + 10}"

    def portal_port(self, i: int) -> int:
        return self.base_port + 10 + i

    @property
    def smtp(self) -> tuple[str, int]:
        host, _, port = self.relay.rpartition(":")
        return (host, int(port)) if self.relay else ("127.0.0.1", self.base_port + 25)

    @property
    def messenger_port(self) -> int:
        """The robots' stand-in: a rehearsal never posts its robots to the real platforms (the
        port after the API processes', below the portal balancer's)."""
        return self.base_port + 9

    def database(self, which: str, driver: str) -> str:
        parts = urlsplit(self.postgres)
        return f"postgresql+{driver}://{parts.netloc}/{self.prefix}_{which}"

    def docket_url(self) -> str:
        parts = urlsplit(self.redis)
        db = int(parts.path.strip("/") or 0)
        return f"{parts.scheme}://{parts.netloc}/{db + 1}"

    def secret(self, name: str, size: int) -> str:
        """Kept in the data folder, so a restarted rehearsal speaks to what it started before."""
        path = self.data_dir / name
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(size))
            path.chmod(0o600)
        return path.read_text().strip()

    @property
    def auth_string(self) -> str:
        return f"admin:{self.secret('prefect-auth', 18)}"

    def base_env(self) -> dict[str, str]:
        # The operator's own RECTIFLOW_* tuning passes through (the rehearsal sets the rest);
        # of Prefect's, only the services' tuning (PREFECT_SERVER_SERVICES_*).
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PREFECT_") or k.startswith("PREFECT_SERVER_SERVICES_")}
        env.update(PYTHONUNBUFFERED="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
        return env

    def server_env(self, name: str) -> dict[str, str]:
        """A Prefect API or services process (deploy/prefect-server.env)."""
        env = self.base_env()
        env.update(REDIS_SERVER)
        env.update(
            PREFECT_HOME=str(self.data_dir / name / "prefect"),
            PREFECT_API_DATABASE_CONNECTION_URL=self.database("prefect", "asyncpg"),
            PREFECT_API_DATABASE_MIGRATE_ON_START="false",
            PREFECT_REDIS_MESSAGING_URL=self.redis,
            PREFECT_SERVER_DOCKET_URL=self.docket_url(),
            PREFECT_SERVER_API_AUTH_STRING=self.auth_string,
            PREFECT_UI_API_URL=self.api_url,
            PREFECT_LOGGING_SERVER_LEVEL="WARNING",
        )
        env.update(self.extra_env)
        return env

    def client_env(self, name: str) -> dict[str, str]:
        """A worker, a portal or an operator's CLI (deploy/rectiflow.env): its own data folder,
        as on its own machine; the ledger, the secret and the shared folder in common."""
        env = self.base_env()
        data = self.data_dir / name
        env.update(
            PREFECT_HOME=str(data / "prefect"),
            PREFECT_API_URL=self.api_url,
            PREFECT_API_AUTH_STRING=self.auth_string,
            PREFECT_WORKER_QUERY_SECONDS="2",
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY="30",  # flows/serve.py: HEARTBEAT_SECONDS
            RECTIFLOW_DATA_DIR=str(data),
            RECTIFLOW_FILES_DIR=str(self.data_dir / "shared"),
            RECTIFLOW_DATABASE_URL=self.database("ledger", "psycopg"),
            RECTIFLOW_SECRET_KEY=self.secret("secret.key", 48),
            RECTIFLOW_SMTP_HOST=self.smtp[0],
            RECTIFLOW_SMTP_PORT=str(self.smtp[1]),
            RECTIFLOW_PORTAL_URL=self.portal_url,
            RECTIFLOW_PREFECT_API_URL=self.api_url,
        )
        for name, path in (("RECTIFLOW_WECOM_BASE_URL", "wecom"), ("RECTIFLOW_DINGTALK_BASE_URL", "dingtalk")):
            env.setdefault(name, f"http://127.0.0.1:{self.messenger_port}/{path}")  # the operator's own wins
        env.update(self.extra_env)
        return env


@dataclass
class Process:
    """One long-running process of the topology, and how to start it again."""
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    before: list[str] | None = None  # run first; if it fails, the process is not started (ExecStartPre)
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0
    refused: str = ""

    def start(self) -> bool:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        Path(self.env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
        cwd = Path(self.env.get("RECTIFLOW_DATA_DIR") or self.env["PREFECT_HOME"]).parent
        cwd.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            if self.before:
                check = subprocess.run(self.before, env=self.env, cwd=cwd, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT)
                log.write(check.stdout)
                if check.returncode != 0:
                    self.refused = check.stdout.decode(errors="replace").strip()
                    return False
            self.refused = ""
            self.popen = subprocess.Popen(self.argv, env=self.env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        self.starts += 1
        return True

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, wait: float = 20.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)
        except ProcessLookupError:
            pass


def exe(name: str) -> str:
    return str(BIN / name)


def processes(plan: Plan) -> list[Process]:
    logs = plan.data_dir / "logs"
    procs = []
    for i in range(1, plan.apis + 1):
        name = f"prefect-api-{i}"
        procs.append(Process(name, [exe("prefect"), "server", "start", "--host", "127.0.0.1",
                                    "--port", str(plan.api_port(i)), "--no-services"],
                             plan.server_env(name), logs / f"{name}.log"))
    procs.append(Process("prefect-services", [exe("prefect"), "server", "services", "start"],
                         plan.server_env("prefect-services"), logs / "prefect-services.log"))
    for i in range(1, plan.workers + 1):
        name = f"worker-{i}"
        procs.append(Process(name, [exe("prefect"), "worker", "start", "--pool", POOL, "--limit", str(plan.limit),
                                    "--name", name],
                             plan.client_env(name), logs / f"{name}.log",
                             before=[exe("rectiflow"), "check", "--role", "worker"]))
    for i in range(1, plan.portals + 1):
        name = f"portal-{i}"
        procs.append(Process(name, [exe("rectiflow"), "portal", "--host", "127.0.0.1",
                                    "--port", str(plan.portal_port(i))],
                             plan.client_env(name), logs / f"{name}.log",
                             before=[exe("rectiflow"), "check", "--role", "portal"]))
    return procs


def run_once(argv: list[str], env: dict[str, str], log: Path, *, cwd: Path = ROOT, what: str) -> str:
    """A one-off command of the rehearsal (migrations, deploy): its output kept in the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with log.open("a") as f:
        f.write(f"$ {' '.join(argv)}\n{done.stdout}\n")
    if done.returncode != 0:
        tail = "\n".join(done.stdout.strip().splitlines()[-8:])
        raise SystemExit(f"{what} failed (exit {done.returncode}; {log}):\n{tail}")
    return done.stdout


def prepare_databases(plan: Plan, *, fresh: bool) -> None:
    """The two PostgreSQL databases (Prefect's, the ledger) and the Redis databases."""
    import psycopg
    import redis

    # Redis first: nothing is created in PostgreSQL for a rehearsal that cannot start.
    try:
        for url in (plan.redis, plan.docket_url()):
            client = redis.Redis.from_url(url, socket_connect_timeout=3)
            client.ping()
            if fresh:
                client.flushdb()
            client.close()
    except redis.RedisError as exc:
        raise SystemExit(f"Redis at {plan.redis} (--redis): {exc}") from None
    try:
        with psycopg.connect(f"{plan.postgres}/postgres", autocommit=True, connect_timeout=5) as conn:
            for which in ("prefect", "ledger"):
                name = f"{plan.prefix}_{which}"
                if fresh:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                    conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise SystemExit(f"PostgreSQL at {plan.postgres} (--postgres): {str(exc).strip().splitlines()[0]}") from None


def wait_for(check, *, timeout: float, what: str, procs: Sequence[Process] = ()) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for p in procs:
            if p.popen is not None and p.popen.poll() is not None:
                raise SystemExit(f"{p.name} exited with code {p.popen.returncode}; see {p.log}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} not ready within {timeout:.0f} s")
        time.sleep(0.3)


def _request(url: str, *, auth: str = "", body: dict | None = None) -> Any:
    """GET (or POST a JSON body to) a URL on loopback; its JSON, or None when it does not answer 200."""
    import base64
    from urllib.error import URLError
    from urllib.request import Request, urlopen

    headers = {"Authorization": f"Basic {base64.b64encode(auth.encode()).decode()}"} if auth else {}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    try:
        with urlopen(Request(url, data=data, headers=headers), timeout=3) as resp:
            return json.loads(resp.read() or b"null") if resp.status == 200 else None
    except (URLError, OSError, ValueError):
        return None


def api_healthy(url: str, auth: str) -> bool:
    return _request(f"{url}/health", auth=auth) is not None


def healthy(url: str) -> bool:
    return _request(url) is not None


def workers_online(plan: Plan) -> int:
    found = _request(f"{plan.api_url}/work_pools/{POOL}/workers/filter", auth=plan.auth_string, body={})
    return sum(1 for w in found or [] if w.get("status") == "ONLINE")


def state_file(plan: Plan) -> Path:
    return plan.data_dir / "topology.json"


def operator_env_file(plan: Plan) -> Path:
    return plan.data_dir / "operator.env"


# What an operator's shell needs to run `rectiflow` (and `prefect`) against the rehearsal, as
# a worker or portal has it: the names of deploy/rectiflow.env.
OPERATOR_SETTINGS = (
    "PREFECT_API_URL", "PREFECT_API_AUTH_STRING", "RECTIFLOW_PREFECT_API_URL", "RECTIFLOW_DATABASE_URL",
    "RECTIFLOW_SECRET_KEY", "RECTIFLOW_FILES_DIR", "RECTIFLOW_DATA_DIR", "RECTIFLOW_SMTP_HOST", "RECTIFLOW_SMTP_PORT",
    "RECTIFLOW_PORTAL_URL", "RECTIFLOW_WECOM_BASE_URL", "RECTIFLOW_DINGTALK_BASE_URL",
)


def write_operator_env(plan: Plan) -> Path:
    """The operator's env file (owner-only: it holds the secrets): `set -a; . operator.env; set +a`,
    then `rectiflow …` speaks to this topology as its workers and portals do."""
    env = plan.client_env("operator")
    lines = ["# rectiflow rehearsal: the settings an operator's shell needs (see deploy/rectiflow.env)",
             "# use: set -a; . " + str(operator_env_file(plan)) + "; set +a"]
    lines += [f"{name}={shlex.quote(env[name])}" for name in OPERATOR_SETTINGS if env.get(name)]
    write_whole(operator_env_file(plan), ("\n".join(lines) + "\n").encode())
    return operator_env_file(plan)


def write_state(plan: Plan, procs: list[Process]) -> None:
    state = {
        "api_url": plan.api_url, "auth_string": plan.auth_string, "portal_url": plan.portal_url,
        "smtp": list(plan.smtp), "mail_dir": str(plan.data_dir / "mail"),
        "processes": {p.name: {"pid": p.popen.pid if p.alive and p.popen else None, "starts": p.starts,
                               "refused": p.refused, "log": str(p.log)} for p in procs},
    }
    write_whole(state_file(plan), json.dumps(state, indent=1).encode())  # owner-only: it holds the auth string
