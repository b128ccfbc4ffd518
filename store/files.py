"""Files the ledger refers to by path and hash: written aside, then renamed into place, so a
reader never sees half a file (the evidence store and the notice's documents)."""

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any


def private_folder(path: Path) -> Path:
    """A folder of ours, owner-only (0700): other local users cannot list or read what is in
    it (the ledger, mail with sign-in links, robot keys). Tightened if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def write_whole(path: Path, data: bytes) -> None:
    """Write `path` whole and owner-only (0600): into a temporary file of its own beside it,
    then renamed over it (two writers at once never share the temporary file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)


def replace_file(folder: Path, name: str, data: bytes) -> dict[str, Any]:
    """Replace a file whole; its path, hash and size, as the ledger records them."""
    write_whole(folder / name, data)
    return {"path": str((folder / name).resolve()), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
