"""The demo's clock (embedded stack only): a shift kept in `<data>/clock-shift`, so every
process of the stack — the portal, the served runs, the CLI — reads the same later moment
(`rectiflow clock ahead 21`). A bureau's deployment never has one: its clock is the machine's."""

import os
from datetime import timedelta
from pathlib import Path

from store.files import write_whole

SHIFT_FILE = "clock-shift"
MAX_DAYS = 366  # a rehearsal of the year ahead, no further

_cache: dict[Path, tuple[float, timedelta]] = {}


def shift(data_dir: Path) -> timedelta:
    """The shift in force (zero without the file). Read again only when the file changes."""
    path = data_dir / SHIFT_FILE
    try:
        changed = os.stat(path).st_mtime
    except OSError:
        return timedelta(0)
    cached = _cache.get(path)
    if cached is None or cached[0] != changed:
        try:
            seconds = int(path.read_text().strip() or "0")
        except (OSError, ValueError):
            seconds = 0  # a damaged file moves nothing
        _cache[path] = cached = (changed, timedelta(seconds=max(0, min(seconds, MAX_DAYS * 86400))))
    return cached[1]


def set_shift(data_dir: Path, delta: timedelta) -> None:
    path = data_dir / SHIFT_FILE
    if delta <= timedelta(0):
        path.unlink(missing_ok=True)
        _cache.pop(path, None)
        return
    write_whole(path, f"{int(delta.total_seconds())}\n".encode())
