"""The evidence store: files kept by their content's hash, outside any served folder."""

import hashlib
import os
import tempfile
from pathlib import Path


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def keep(root: Path, data: bytes) -> str:
    """Keep bytes under their hash (written aside, then renamed); safe to repeat, and an
    orphan left by a refused command is harmless. Returns the hash."""
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(root, sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, target)
    return sha
