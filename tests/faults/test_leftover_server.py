"""A Prefect server left by a killed `rectiflow up` is found by the pid it recorded and
stopped; a recorded pid that now belongs to something else is left alone."""

import subprocess
import sys
from pathlib import Path

from processes.stack import SERVER_PID, stop_leftover_server
from tests.waiting import wait_until


def sleeper(*words: str) -> subprocess.Popen:
    """A process whose command line reads like the given words (as `ps` would show it), once it
    has really started (just after the fork it still shows its parent's)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", *words], start_new_session=True)
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    wait_until(lambda: words[-1].encode() in cmdline.read_bytes(), timeout=20, what="the process to start")
    return proc


def test_the_recorded_server_is_stopped_and_the_record_removed(tmp_path: Path):
    left = sleeper("-m", "prefect", "server", "start", "--port", "14321")
    (tmp_path / SERVER_PID).write_text(f"{left.pid}\n")
    try:
        assert stop_leftover_server(tmp_path, "14321") is True
        assert wait_until(lambda: left.poll() is not None, timeout=20, what="the leftover server to stop")
        assert not (tmp_path / SERVER_PID).exists()
    finally:
        left.kill()


def test_a_reused_pid_is_left_alone(tmp_path: Path):
    other = sleeper("some", "other", "program")
    (tmp_path / SERVER_PID).write_text(f"{other.pid}\n")
    try:
        assert stop_leftover_server(tmp_path, "14321") is False
        assert other.poll() is None  # still running
        assert not (tmp_path / SERVER_PID).exists()
    finally:
        other.kill()


def test_a_server_on_another_port_is_left_alone(tmp_path: Path):
    mine = sleeper("-m", "prefect", "server", "start", "--port", "15555")
    (tmp_path / SERVER_PID).write_text(f"{mine.pid}\n")
    try:
        assert stop_leftover_server(tmp_path, "14321") is False and mine.poll() is None
    finally:
        mine.kill()
