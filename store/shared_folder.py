"""The folder of files (evidence, published notices) that every process of a deployment must
share. `db upgrade` leaves a marker naming the ledger in it; a worker or portal whose folder
lacks that marker is looking at a local folder (a mount that is missing), not the shared one."""

import os
from pathlib import Path

MARKER = ".rectiflow-ledger"


def write_once(path: Path, text: str, *, mode: int = 0o600) -> bool:
    """Create a file with this content unless it exists; never replace it. Several processes
    doing so at once agree on the first (os.link fails on an existing name). Says whether
    this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return False
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.chmod(mode)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    return True


def mark(folder: Path, ledger_id: str) -> bool:
    """Leave the ledger's marker in a folder that has none (an existing one is never replaced).
    Says whether it wrote one."""
    return write_once(folder / MARKER, ledger_id + "\n")


def problem(folder: Path, ledger_id: str) -> str | None:
    """Why this process cannot use the folder as the ledger's shared folder, or None."""
    marker = folder / MARKER
    try:
        found = marker.read_text().strip()
    except FileNotFoundError:
        return f"{folder} is not the ledger's shared folder (no {MARKER}): mount the shared folder there"
    except OSError as exc:
        return f"{folder} cannot be read: {exc.strerror}"
    if found != ledger_id:
        return f"{folder} belongs to another ledger ({found[:8]}…, this ledger is {ledger_id[:8]}…)"
    probe = folder / f".probe.{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return f"{folder} is not writable: {exc.strerror}"
    return None
