"""Waiting on a condition with a timeout, never a bare sleep.

A timeout is a ceiling, not a pause: the wait returns the moment the condition holds, so a
ceiling generous enough for a loaded 2-core machine costs nothing on a quick one.
RFTEST_WAIT_SCALE multiplies every ceiling (e.g. 0.01 to make a stack test fail on purpose
and check that it leaves nothing running). A wait that fails says what it waited for, and,
given `explain`, what the system was doing (a log's tail, the runs' states)."""

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
SCALE = float(os.environ.get("RFTEST_WAIT_SCALE", "1"))


def wait_until(predicate: Callable[[], T], *, timeout: float, what: str, interval: float = 0.2,
               explain: Callable[[], str] | None = None) -> T:
    """Poll until the predicate returns something truthy; return it, or fail after `timeout`."""
    ceiling = timeout * SCALE
    deadline = time.monotonic() + ceiling
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            said = f"timed out after {ceiling:.0f} s waiting for {what}"
            if explain is not None:
                try:
                    said += "\n" + explain()
                except Exception as exc:  # the explanation must not hide the timeout
                    said += f"\n(could not say what it was doing: {exc!r})"
            raise AssertionError(said)
        time.sleep(interval)


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log, for a failure message."""
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"--- {path}: {exc.strerror}"
    return f"--- last {min(lines, len(text))} lines of {path}:\n" + "\n".join(text[-lines:])


def days_ahead(days: int) -> str:
    """A date `days` from today in the bureau's time zone (ISO): a due date a test sets stays in
    the future whatever day the suite runs."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    return (datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=days)).isoformat()
