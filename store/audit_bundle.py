"""The audit bundle on disk: the events as JSON lines, the manifest (the chain's head and
anchor), an Ed25519 signature over both, and the stand-alone verifier (store/audit_verify.py,
as `verify.py`). Written whole into a new folder, or not at all.

The signing key is derived from the deployment's secret (HKDF-SHA256), so every process of
one deployment signs with the same key and its public half (`rectiflow audit key`) can be
handed to the discipline inspection group once."""

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from store import audit_verify
from store.files import private_folder

SIGNING_INFO = b"rectiflow audit export signing key v1"


def signing_key(secret: str) -> Ed25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SIGNING_INFO).derive(secret.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(secret: str) -> str:
    raw = signing_key(secret).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw.hex()


class BundleFolderTaken(Exception):
    """The folder asked for holds something already: nothing is written over it."""


def write_bundle(folder: Path, events: Iterable[dict[str, Any]], manifest: dict[str, Any], *, secret: str) -> int:
    """Write the bundle into `folder` (new, or empty), whole: built beside it, then renamed
    into place. Returns how many events it holds."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BundleFolderTaken(str(folder))
    private_folder(folder.parent)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        count = 0
        with (building / "events.jsonl").open("w", encoding="utf-8") as out:
            for event in events:
                out.write(json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")
                count += 1
        head = json.dumps({**manifest, "events": count}, ensure_ascii=False, sort_keys=True, indent=2)
        (building / "manifest.json").write_text(head + "\n", encoding="utf-8")
        message = audit_verify.signed_message((building / "events.jsonl").read_bytes(),
                                              (building / "manifest.json").read_bytes())
        (building / "signature").write_text(signing_key(secret).sign(message).hex() + "\n", encoding="ascii")
        shutil.copyfile(audit_verify.__file__, building / "verify.py")
        if folder.exists():
            folder.rmdir()  # empty, as checked
        os.replace(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return count
