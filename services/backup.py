"""Backing up and restoring a deployment: the ledger (copied while in use), the shared
folder's evidence and notices, and a manifest with every file's hash. The secret is never
in a backup: the manifest names only its key id, so a restore can tell the operator that the
secret they hold is not this backup's (the sealed robot keys and the chain's anchor need it).
`verify` restores into a scratch place and checks the chain, every item against its history
and every evidence file against the hash the ledger recorded for it."""

import json
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from messages import RuleError
from models.audit.chain import ChainHead, Event, verify_chain
from models.audit.items import item_mismatches
from models.instance import instance_id
from models.items.evidence import EvidenceFile
from models.items.finding import Finding
from models.links import anchor_key
from services import context as ctx
from services.opening import sealing_keys
from store import schema
from store.backup_files import (
    FILES,
    MANIFEST,
    PG_FILE,
    SQLITE_FILE,
    BackupDamaged,
    FolderTaken,
    ToolFailed,
    copy_files,
    copy_ledger,
    put_ledger,
    read_backup,
    write_backup,
)
from store.db import make_engine, reading
from store.shared_folder import mark

FORMAT = "rectiflow backup v1"
PARTS = ("evidence", "notices")


@dataclass(frozen=True)
class BackupMade:
    folder: Path
    at: str
    items: int
    events: int
    files: int
    seconds: float


@dataclass(frozen=True)
class Restored:
    items: int
    events: int
    files: int
    at: str  # when the backup was made: what happened after it is not in the ledger
    seconds: float


@dataclass(frozen=True)
class Verified:
    events: int
    items: int
    evidence_files: int


def create(folder: Path) -> BackupMade:
    started, settings = time.monotonic(), ctx.settings()
    with reading(ctx.database()) as session:
        head = session.get(ChainHead, 1) or ChainHead(id=1)
        counts = {"items": _count(session, Finding), "events": head.seq}
        ledger = instance_id(session)

    def fill(dest: Path) -> dict[str, Any]:
        name = copy_ledger(settings.resolved_database_url, dest)
        files = copy_files(settings.shared_dir, dest, PARTS)
        return {"format": FORMAT, "made_at": ctx.now().isoformat(), "ledger": ledger, "schema": schema.head(),
                "database": name, "chain": {"seq": head.seq, "last_hash": head.last_hash}, "counts": counts,
                "files": len(files), "secret": {"in_backup": False, "key_id": sealing_keys(settings)[0].ident}}

    try:
        manifest = write_backup(folder, fill)
    except FolderTaken:
        raise RuleError("folder_not_empty", field="folder", value=str(folder)) from None
    except ToolFailed as exc:
        raise RuleError("backup_tool", value=str(exc)) from None
    return BackupMade(folder.resolve(), manifest["made_at"], counts["items"], counts["events"], manifest["files"],
                      time.monotonic() - started)


def nightly() -> BackupMade:
    """The scheduled backup: a new folder named by the moment under the backup folder, then
    the oldest beyond `backup_keep` removed (only folders that are rectiflow backups)."""
    settings = ctx.settings()
    stamp = ctx.now().astimezone(ZoneInfo(settings.timezone)).strftime("%Y%m%d-%H%M%S")
    made = create(settings.backups / stamp)
    for old in made_backups(settings.backups)[settings.backup_keep:]:
        shutil.rmtree(old)
    return made


def made_backups(root: Path) -> list[Path]:
    """The backups under `root`, newest first (by the moment their manifest says)."""
    return [folder for _, folder in backups_by_moment(root)]


def backups_by_moment(root: Path) -> list[tuple[str, Path]]:
    """(the moment it was made, its folder) of each backup under `root`, newest first."""
    found: list[tuple[str, Path]] = []
    for folder in root.iterdir() if root.is_dir() else ():
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("format") == FORMAT:
            found.append((str(manifest.get("made_at", "")), folder))
    return sorted(found, reverse=True)


def restore(folder: Path) -> Restored:
    """Into an empty place only (no ledger at the configured address, no files in the shared
    folder): a restore never writes over a deployment."""
    started, settings = time.monotonic(), ctx.settings()
    manifest = _checked(folder)
    url = settings.resolved_database_url
    if _has_ledger(url) or any((settings.shared_dir / part).exists() for part in PARTS):
        raise RuleError("restore_not_empty", value=url if _has_ledger(url) else str(settings.shared_dir))
    try:
        put_ledger(folder, manifest["database"], url)
    except (ToolFailed, FileExistsError) as exc:
        raise RuleError("backup_tool", value=str(exc)) from None
    if (folder / FILES).is_dir():
        shutil.copytree(folder / FILES, settings.shared_dir, dirs_exist_ok=True)
    mark(settings.shared_dir, manifest["ledger"])
    return Restored(manifest["counts"]["items"], manifest["counts"]["events"], manifest["files"],
                    manifest["made_at"], time.monotonic() - started)


def verify(folder: Path) -> Verified:
    """Restore into a scratch place and check it whole; nothing of the deployment is touched."""
    manifest = _checked(folder)
    with _scratch(folder, manifest) as engine:
        with reading(engine) as session:
            checked, bad = verify_chain(session, key=anchor_key(ctx.secret()))
            if bad is not None:
                raise RuleError("chain_broken", value=bad)
            seq, last = manifest["chain"]["seq"], manifest["chain"]["last_hash"]
            if seq and session.exec(select(Event.hash).where(col(Event.seq) == seq)).first() != last:
                raise RuleError("backup_damaged", value=f"chain at {seq}")
            wrong = item_mismatches(session)
            if wrong:
                raise RuleError("backup_damaged", value=f"items {', '.join(str(w) for w in wrong[:5])}")
            stored = set(manifest["hashes"])
            blobs = session.exec(select(EvidenceFile.sha256).distinct()).all()
            missing = [sha for sha in blobs if f"{FILES}/evidence/{sha[:2]}/{sha}" not in stored]
            if missing:
                raise RuleError("backup_damaged", value=f"evidence {missing[0]}")
            return Verified(checked, _count(session, Finding), len(blobs))


def _checked(folder: Path) -> dict[str, Any]:
    try:
        manifest = read_backup(folder)
    except BackupDamaged as exc:
        raise RuleError("backup_damaged", value=str(exc)) from None
    if manifest.get("format") != FORMAT:
        raise RuleError("backup_damaged", value="manifest.json")
    if manifest["secret"]["key_id"] != sealing_keys(ctx.settings())[0].ident:
        raise RuleError("backup_other_secret", value=manifest["secret"]["key_id"])
    return manifest


def _count(session: Any, table: type) -> int:
    return int(session.exec(select(func.count()).select_from(table)).one())


def _has_ledger(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "").exists()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


class _scratch:
    """The backup's ledger restored where nothing else is: a temporary SQLite file, or a
    temporary PostgreSQL database on the deployment's server (dropped after)."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder, self.manifest = folder, manifest
        self.dir = Path(tempfile.mkdtemp(prefix="rectiflow-verify-"))
        self.admin: sa.Engine | None = None
        self.name = ""

    def __enter__(self) -> sa.Engine:
        if self.manifest["database"] == SQLITE_FILE:
            url = f"sqlite:///{self.dir / SQLITE_FILE}"
        else:
            assert self.manifest["database"] == PG_FILE
            base = make_url(ctx.settings().resolved_database_url)
            self.name = f"rectiflow_verify_{uuid.uuid4().hex[:12]}"
            self.admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
            url = base.set(database=self.name).render_as_string(hide_password=False)
        try:
            put_ledger(self.folder, self.manifest["database"], url)
        except ToolFailed as exc:
            self.__exit__()
            raise RuleError("backup_tool", value=str(exc)) from None
        self.engine = make_engine(url)
        return self.engine

    def __exit__(self, *exc: object) -> None:
        if getattr(self, "engine", None) is not None:
            self.engine.dispose()
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)
