"""Processes the tests start: every one is stopped by its test's teardown, whatever happened,
and the session fails loudly if any is left when it ends.

Each pytest process marks its environment with a token (RFTEST_SESSION, a name the tests'
env filters keep: they drop PREFECT_* and RECTIFLOW_*); every process it starts, and their
children, inherit it, even those re-parented after a kill -9. At the end of the session,
any process still carrying this session's token is named, killed, and reported as an error."""

import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

TOKEN_VAR = "RFTEST_SESSION"


def mark_session() -> str:
    token = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
    os.environ[TOKEN_VAR] = token
    return token


def carrying(token: str) -> dict[int, str]:
    """Processes (other than this one) started under this session's token: pid -> command line."""
    needle = f"{TOKEN_VAR}={token}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            if (entry / "stat").read_text().split(") ", 1)[1].startswith("Z"):
                continue  # exited, waiting to be reaped: it holds nothing
            found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
    return found


def leftovers(token: str, *, grace: float = 20.0) -> dict[int, str]:
    """What is still running after `grace` seconds (processes told to stop get that long), killed."""
    deadline = time.monotonic() + grace
    while (left := carrying(token)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return left


def stop_group(proc: subprocess.Popen, *, sig: int = signal.SIGTERM, wait: float = 60.0) -> int | None:
    """Stop a process started with start_new_session=True as its user would (SIGTERM, SIGINT),
    then, whatever it did, everything left in its process group (SIGKILL). Its exit code, or
    None when it had to be killed."""
    code = proc.poll()
    if code is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            code = proc.wait(wait)
        except subprocess.TimeoutExpired:
            code = None
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # whatever of its group outlived it
    if proc.poll() is None:
        proc.wait(10)
    return code
