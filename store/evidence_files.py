"""The evidence store: files kept by their content's hash, outside any served folder."""

import hashlib
from pathlib import Path

from store.files import write_whole


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def keep(root: Path, data: bytes) -> str:
    """Keep bytes under their hash; safe to repeat, and an orphan left by a refused command is
    harmless. Returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(root, sha)
    if not target.exists():
        write_whole(target, data)
    return sha
