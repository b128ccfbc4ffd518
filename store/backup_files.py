"""A backup on disk: the ledger copied while it is in use (SQLite's online backup, or
PostgreSQL's pg_dump), the shared folder's files, and a manifest with the hash of every file.
Built beside its folder and renamed into place whole: a backup that was interrupted is never
mistaken for one that finished."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from store.files import private_folder

MANIFEST = "manifest.json"
SQLITE_FILE, PG_FILE = "ledger.db", "ledger.dump"
FILES = "files"  # the shared folder's evidence/ and notices/


class FolderTaken(Exception):
    """The folder asked for holds something already: nothing is written over it."""


class BackupDamaged(Exception):
    """A file of the backup is missing or not what the manifest says (names it)."""


class ToolFailed(Exception):
    """pg_dump or pg_restore failed (what it said)."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as pg_dump and pg_restore read it."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def copy_ledger(url: str, dest: Path) -> str:
    """Copy the ledger, consistent, while other processes use it; returns the file's name."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
        target = sqlite3.connect(dest / SQLITE_FILE)
        try:
            source.backup(target)  # pages copied under SQLite's own lock: one point in time
        finally:
            target.close()
            source.close()
        return SQLITE_FILE
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dest / PG_FILE}",
          f"--dbname={libpq_url(url)}"])
    return PG_FILE


def put_ledger(backup: Path, name: str, url: str) -> None:
    """Put a backed-up ledger in place: into a SQLite file that does not exist yet, or into an
    empty PostgreSQL database."""
    parsed = make_url(url)
    if name == SQLITE_FILE:
        target = Path(parsed.database or "")
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)  # never over a ledger
        os.close(fd)
        shutil.copyfile(backup / name, target)
        return
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={libpq_url(url)}",
          str(backup / name)])


def _run(argv: list[str]) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError:
        raise ToolFailed(f"{argv[0]} is not installed (Debian: postgresql-client)") from None
    if done.returncode:
        raise ToolFailed(f"{argv[0]}: {done.stderr.strip()[-500:]}")


def copy_files(source: Path, dest: Path, parts: tuple[str, ...]) -> dict[str, str]:
    """Copy the named sub-folders of the shared folder; returns {relative path: sha256}."""
    hashes: dict[str, str] = {}
    for part in parts:
        root = source / part
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
            rel = path.relative_to(source).as_posix()
            target = dest / FILES / rel
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            shutil.copyfile(path, target)
            hashes[rel] = sha256_of(target)
    return hashes


def write_backup(folder: Path, fill: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """Build a backup in a new folder beside `folder` (`fill` writes its files and returns the
    manifest's fields), hash every file into the manifest, then rename it into place."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise FolderTaken(str(folder))
    private_folder(folder.parent)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        manifest = fill(building)
        manifest["hashes"] = {p.relative_to(building).as_posix(): sha256_of(p)
                              for p in sorted(building.rglob("*")) if p.is_file()}
        (building / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                                         encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        os.replace(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return manifest


def read_backup(folder: Path) -> dict[str, Any]:
    """The manifest, after checking every file it names against its hash (and no file missing)."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupDamaged(MANIFEST) from None
    for rel, expected in dict(manifest.get("hashes") or {}).items():
        path = folder / rel
        if not path.is_file() or sha256_of(path) != expected:
            raise BackupDamaged(rel)
    return manifest
