"""kill -9 the embedded stack and start it again: nothing lost, nothing doubled, no manual
step. Then kill the Prefect server alone: the portal keeps answering and the server comes
back by itself. SIGTERM stops everything."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.app.test_stack import runs
from tests.mail import free_port, mails
from tests.processes import stop_group
from tests.waiting import tail, wait_until

EXE = Path(sys.executable).parent / "rectiflow"


def latest_per_item(api: str) -> dict[str, str]:
    """The newest case run of each item and its state name."""
    newest: dict[str, tuple[str, str]] = {}
    try:
        found = httpx.post(f"{api}/flow_runs/filter", json={"limit": 200, "flow_runs": {"name": {"like_": "ZG-"}}},
                           timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return {}
    for r in found if isinstance(found, list) else []:
        if r["name"].startswith("ZG-"):
            code = r["name"].split()[0]
            if code not in newest or r["created"] > newest[code][0]:
                newest[code] = (r["created"], r["state_name"])
    return {code: state for code, (_, state) in newest.items()}


def answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def start(env: dict, cwd: Path) -> subprocess.Popen:
    with (cwd / "up.log").open("ab") as log:  # what it said, for a wait that times out
        return subprocess.Popen([str(EXE), "up"], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def doing(api: str, cwd: Path) -> Callable[[], str]:
    return lambda: "\n".join([f"--- newest case run per item: {latest_per_item(api) or 'none (or no answer)'}",
                              tail(cwd / "up.log"), tail(cwd / "rf" / "prefect-server.log")])


def cli(env: dict, cwd: Path, *args: str) -> str:
    return subprocess.run([str(EXE), *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def test_kill_9_then_a_plain_restart_loses_and_doubles_nothing(tmp_path):
    api_port, portal_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RECTIFLOW_"))}
    env.update(RECTIFLOW_DATA_DIR=str(tmp_path / "rf"), RECTIFLOW_SMTP_PORT=str(free_port()),
               RECTIFLOW_MESSENGER_SINK_PORT=str(free_port()),
               RECTIFLOW_PREFECT_API_URL=api, PREFECT_API_URL=api, RECTIFLOW_PORTAL_PORT=str(portal_port),
               RECTIFLOW_PORTAL_URL=f"http://127.0.0.1:{portal_port}")
    data = tmp_path / "rf"
    # Two items filed while nothing runs (the stack starts their runs), as a bureau would have them.
    cli(env, tmp_path, "org", "load", str(Path(__file__).resolve().parents[2] / "models" / "data" / "demo_org.yaml"))
    codes = [cli(env, tmp_path, "file", "--unit", unit, "--manifestation", "lan-1", "--title", "窗口推诿",
                 "--as", "zhou.jing@example.org").split()[0] for unit in ("zb-xinxi", "zb-zhengce")]
    proc = start(env, tmp_path)
    try:
        explain = doing(api, tmp_path)
        wait_until(lambda: latest_per_item(api) == dict.fromkeys(codes, "Suspended"), timeout=600,
                   what="both case runs Suspended", explain=explain)
        owner = json.loads(cli(env, tmp_path, "show", codes[0], "--json"))["owner_email"]
        cli(env, tmp_path, "submit", codes[0], "--as", owner, "--note", "已整改")

        # kill -9 every process of the stack at once, while the woken run is being served.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        wait_until(lambda: not answers(api_port), timeout=60, what="the Prefect server to go with its parent",
                   explain=explain)

        restarted = time.monotonic()
        proc = start(env, tmp_path)  # a plain restart: no flag, no manual step
        wait_until(lambda: latest_per_item(api) == dict.fromkeys(codes, "Suspended"), timeout=600,
                   what="every open item's run Suspended again", explain=explain)
        got = wait_until(lambda: [m["Subject"] for m in mails(data / "mail")] if len(mails(data / "mail")) >= 3
                         else None, timeout=240, what="the verifier's mail", explain=explain)
        # How long recovery took is a figure (bench/), not a pass mark: printed for the log.
        print(f"recovered {time.monotonic() - restarted:.1f} s after the restart")
        assert len(got) == 3 and sum(f"【待验收】{codes[0]}" in s for s in got) == 1  # nothing lost or doubled
        assert "intact and anchored" in cli(env, tmp_path, "audit", "verify")

        # The Prefect server alone dies: the portal keeps answering, the server comes back.
        server_pid = int((data / "prefect-server.pid").read_text())
        os.kill(server_pid, signal.SIGKILL)
        assert httpx.get(f"http://127.0.0.1:{portal_port}/login", timeout=5).status_code == 200
        wait_until(lambda: (data / "prefect-server.pid").read_text().strip() != str(server_pid) and runs(api),
                   timeout=240, what="the Prefect server started again", explain=explain)
        assert httpx.get(f"http://127.0.0.1:{portal_port}/login", timeout=5).status_code == 200
    finally:
        code = stop_group(proc)  # SIGTERM stops it all, as Ctrl-C does; whatever is left is killed
    assert code == 0
    assert not answers(api_port) and not answers(portal_port)
    assert not (data / "prefect-server.pid").exists()
