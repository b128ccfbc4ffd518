"""Keeping evidence files: checked by the rules, then written to the store (before the
command that refers to them, so a refused command leaves at most a harmless orphan)."""

from pathlib import Path

from messages import RuleError
from models.items.evidence import StoredFile, checked_upload
from services import context as ctx
from store.evidence_files import keep


def store_upload(name: str, data: bytes, *, root: Path | None = None, max_bytes: int | None = None) -> StoredFile:
    """An uploaded file (the portal), into the evidence store (default: the settings')."""
    settings = ctx.settings()
    clean = checked_upload(name, data, max_bytes=max_bytes or settings.max_evidence_bytes)
    return StoredFile(keep(root or settings.evidence_dir, data), len(data), clean)


def store_path(source: Path, *, root: Path | None = None, max_bytes: int | None = None) -> StoredFile:
    """A file from disk (the CLI), under the same checks as an upload."""
    limit = max_bytes or ctx.settings().max_evidence_bytes
    if not source.is_file():
        raise RuleError("file_missing", field="file", value=str(source))
    if source.stat().st_size > limit:
        raise RuleError("file_too_large", field="file", value=source.name, limit=limit)
    return store_upload(source.name, source.read_bytes(), root=root, max_bytes=limit)
