"""`rectiflow up`: the whole embedded stack on one machine, state under ./.rectiflow/.

A Prefect server (with its UI) in a child process, the SMTP sink in a thread, and every
deployment served from this process. Ctrl-C stops all of it.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

from app.output import err, out
from services import context as ctx
from store.files import private_folder


def _wait_healthy(api_url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"Prefect server exited with code {proc.returncode}; see .rectiflow/prefect-server.log")
        try:
            with urlopen(f"{api_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (URLError, OSError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"Prefect server did not answer at {api_url} within {timeout:.0f} s")


def _die_with_parent() -> None:
    """In the server's child process: if `rectiflow up` dies, even by kill -9, so does it."""
    import ctypes

    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_prefect_server(data_dir: Path, api_url: str) -> subprocess.Popen[bytes]:
    log = (data_dir / "prefect-server.log").open("ab")
    host, _, port = api_url.split("//")[1].split("/")[0].partition(":")
    # A burst of new case runs waits in AwaitingConcurrencySlot (flows/serve.py, paced); what
    # else waits for the runner is late after five minutes, not fifteen seconds: marking hundreds
    # Late (a write each) is what made the embedded SQLite lock up. The deployment concurrency
    # leases are kept on disk, so a server killed and started again frees the slots it held
    # (in memory they were lost, and the slots with them); a run refused a slot asks again
    # after five seconds, not thirty.
    env = {"PREFECT_SERVER_SERVICES_LATE_RUNS_AFTER_SECONDS": "300",
           "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect.server.concurrency.lease_storage.filesystem",
           "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "5", **os.environ}
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", host, "--port", port or "4200"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    (data_dir / SERVER_PID).write_text(f"{proc.pid}\n")
    _wait_healthy(api_url, proc)
    return proc


SERVER_PID = "prefect-server.pid"


def stop_leftover_server(data_dir: Path, port: str) -> bool:
    """A Prefect server an earlier `rectiflow up` started and did not stop (it was killed):
    found by the pid it recorded, checked to be that server on that port, and stopped."""
    record = data_dir / SERVER_PID
    try:
        pid = int(record.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        record.unlink(missing_ok=True)
        return False
    ours = b"prefect" in cmdline and b"server" in cmdline and port.encode() in cmdline
    if not ours:  # the pid was reused by something else: leave it alone
        record.unlink(missing_ok=True)
        return False
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and not _zombie(pid):
            time.sleep(0.1)
        if not Path(f"/proc/{pid}").exists() or _zombie(pid):
            break
    record.unlink(missing_ok=True)
    return True


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


class ServerWatch(threading.Thread):
    """Keeps the Prefect server up while the stack runs: if it dies, it is started again on
    the same port. The portal and the ledger never depend on it; served runs catch up."""

    def __init__(self, data_dir: Path, api_url: str, server: subprocess.Popen[bytes]) -> None:
        super().__init__(name="prefect-server-watch", daemon=True)
        self.data_dir, self.api_url, self.server = data_dir, api_url, server
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            # A plain sleep, not a timed Event.wait: a timed wait on a condition never returns
            # when the clock is moved by libfaketime (make test-dates), and the watch went blind.
            time.sleep(1.0)
            if self.stopping.is_set() or self.server.poll() is None:
                continue
            err.print(f"[yellow]![/] Prefect server exited ({self.server.returncode}); starting it again …")
            try:
                self.server = start_prefect_server(self.data_dir, self.api_url)
                err.print("[green]✓[/] Prefect server is back; served runs catch up, reconcile repairs the rest")
            except SystemExit as exc:
                err.print(f"[red]✗[/] {exc}; trying again in 5 s")
                time.sleep(5.0)

    def stop(self) -> subprocess.Popen[bytes]:
        self.stopping.set()
        self.join(5)
        return self.server


def _busy(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


@dataclass
class Portal:
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_portal(host: str, port: int, *, mail_folder: bool) -> Portal:
    """The portal on its own thread and event loop, beside the served deployments."""
    import uvicorn

    from app.web.main import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(mail_folder=mail_folder), host=host, port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit(f"the portal did not start on {host}:{port}")
        time.sleep(0.05)
    return Portal(server, thread)


def admin_sign_in() -> str:
    """For the demo: a sign-in link for the first admin, printed on this machine's console."""
    from services import context as ctx
    from services.access import console_sign_in
    from services.second_factor import demo_key

    found = console_sign_in()
    if not found:
        return ""
    second = (f"  second factor {demo_key(found[2])} (the admin's authenticator key: add it to an app, "
              "or `oathtool --totp -b KEY`)\n") if ctx.settings().admin_second_factor else ""
    return f"  sign in as    {found[0]} (admin): {found[1]}\n{second}"


def stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker, kill) stops the stack as Ctrl-C does: everything it started goes."""
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background by a shell
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _messenger_sink(data_dir: Path, port: int) -> Any:
    """Beside the SMTP sink, a stand-in for the messenger platforms (notifications/
    messenger_sink.py) on its fixed port: without a relay set, every process of the stack
    (this one, the runs it serves, a CLI command beside it) posts robot messages there unless
    the robots' base URLs are set (store/settings.py); the mail folder page shows what it took."""
    from notifications.messenger_sink import MessengerSink

    return MessengerSink(data_dir / "messages", port=port).start()


def run_stack(*, demo: bool, limit: int) -> None:
    stop_on_sigterm()
    settings = ctx.settings()
    data_dir = private_folder(Path(settings.data_dir).resolve())
    # Served runs are child processes: give them absolute paths and the same mail settings.
    os.environ["RECTIFLOW_DATA_DIR"] = str(data_dir)
    api_url = os.environ["PREFECT_API_URL"]
    host, _, port = api_url.split("//")[1].split("/")[0].partition(":")
    if stop_leftover_server(data_dir, port or "4200"):
        err.print("[yellow]![/] stopped the Prefect server an earlier rectiflow up left running")
    taken = [(f"{host}:{port or 4200}", "RECTIFLOW_PREFECT_API_URL")] if _busy(host, int(port or 4200)) else []
    if settings.embedded and _busy("127.0.0.1", settings.smtp_port):
        taken.append((f"127.0.0.1:{settings.smtp_port}", "RECTIFLOW_SMTP_PORT"))
    if settings.embedded and _busy("127.0.0.1", settings.messenger_sink_port):
        taken.append((f"127.0.0.1:{settings.messenger_sink_port}", "RECTIFLOW_MESSENGER_SINK_PORT"))
    if _busy(settings.portal_host, settings.portal_port):
        taken.append((f"{settings.portal_host}:{settings.portal_port}", "RECTIFLOW_PORTAL_PORT"))
    if taken:
        for where, setting in taken:
            err.print(f"[red]✗[/] {where} 已被占用 (in use): 是否已有 rectiflow up 在运行？或用 {setting} 换一个端口")
        raise SystemExit(2)

    sink, robots = None, None
    if settings.embedded:
        from notifications.sink import MailSink

        sink = MailSink(data_dir / "mail", host="127.0.0.1", port=settings.smtp_port).start()
        robots = _messenger_sink(data_dir, settings.messenger_sink_port)

    out.print(f"starting Prefect server at {api_url} …")
    server = start_prefect_server(data_dir, api_url)
    portal, watch = None, None
    try:
        from flows.serve import apply_deployments
        from services.case_runs import repair_case_runs, start_missing_case_runs
        from services.demo import load_demo
        from services.opening import schema_change, upgrade_ledger
        from services.organisation import refresh_negative_list

        before, after, _ = upgrade_ledger(settings)
        if before != after:
            out.print(schema_change(before, after))
        refresh_negative_list()
        if demo:
            codes = load_demo()
            if codes:
                out.print(f"demo: filed {', '.join(codes)}")
        apply_deployments(runner_limit=limit)
        started = asyncio.run(start_missing_case_runs())
        if started:
            out.print(f"started case runs for {len(started)} open items")
        # Nothing serves runs yet: any case run Pending or Running now was left by a process
        # that died with the last stack. Replace those, and any that ended under an open item.
        repaired = asyncio.run(repair_case_runs(stuck_after=timedelta(0)))
        if any(repaired.values()):
            out.print("repaired case runs: " + ", ".join(f"{k} {len(v)}" for k, v in repaired.items() if v))
        portal = start_portal(settings.portal_host, settings.portal_port, mail_folder=sink is not None)
        ui = api_url.removesuffix("/api")
        out.print(
            "\n[bold]rectiflow is up[/]\n"
            f"  Prefect UI    {ui}  (case runs: {ui}/runs)\n"
            f"  portal        {settings.portal_url}{'  (mail folder: /mail)' if sink else ''}\n"
            f"{admin_sign_in() if demo else ''}"
            f"  mail folder   {data_dir / 'mail'}"
            f"{'  (SMTP sink on 127.0.0.1:' + str(settings.smtp_port) + ')' if sink else ''}\n"
            f"  ledger        {settings.resolved_database_url}\n"
            f"  try           .venv/bin/rectiflow ledger\n"
            "  stop          Ctrl-C\n",
            soft_wrap=True, highlight=False,  # links stay whole, for copying
        )
        sys.stdout.flush()
        watch = ServerWatch(data_dir, api_url, server)
        watch.start()
        serve_forever(limit=limit)
    except KeyboardInterrupt:
        pass
    finally:
        err.print("stopping …")
        if watch is not None:
            server = watch.stop()
        if portal is not None:
            portal.stop()
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(server.pid, signal.SIGKILL)
        (data_dir / SERVER_PID).unlink(missing_ok=True)
        if sink is not None:
            sink.stop()
        if robots is not None:
            robots.stop()


def serve_forever(*, limit: int) -> None:
    """Serve every deployment; if the runner stops on an error (its server gone), serve again
    once the server answers: the portal beside it keeps working throughout."""
    from flows.serve import serve_all

    while True:
        try:
            serve_all(limit=limit)
            return
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # the runner gave up (e.g. the API went away): serve again
            err.print(f"[yellow]![/] runner stopped ({type(exc).__name__}: {exc}); serving again shortly …")
            time.sleep(3)
