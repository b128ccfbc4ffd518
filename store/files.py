"""Files the ledger refers to by path and hash (the notice's documents)."""

import hashlib
import os
from pathlib import Path
from typing import Any


def replace_file(folder: Path, name: str, data: bytes) -> dict[str, Any]:
    """Replace a file whole (write aside, then rename): a reader never sees half a file."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, folder / name)
    return {"path": str((folder / name).resolve()), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
