"""Evidence (整改佐证材料) with files kept by content hash, and reviews (验收)."""

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from sqlmodel import Field, SQLModel

from models.columns import enum_type, utc
from models.errors import RuleError
from models.filetypes import classify


class Evidence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    account: str = Field(max_length=8000)
    submitted_by_id: int = Field(foreign_key="person.id")
    submitted_at: datetime = Field(sa_type=utc)


class EvidenceFile(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    sha256: str = Field(max_length=64)
    size: int
    # Kept as data only: the stored file is named by its hash.
    original_name: str = Field(max_length=255)


class Decision(StrEnum):
    accept = "accept"
    return_ = "return"


class Review(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    evidence_id: int = Field(foreign_key="evidence.id")
    reviewer_id: int = Field(foreign_key="person.id")
    decision: Decision = Field(sa_type=enum_type(Decision))
    reason: str = Field(default="", max_length=2000)
    new_due_on: date | None = None
    at: datetime = Field(sa_type=utc)


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    original_name: str


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def store_bytes(root: Path, name: str, data: bytes, *, max_bytes: int) -> StoredFile:
    """Keep an upload in the content-addressed store after checking its size and its type
    (from the content; the extension must agree). Safe to repeat; orphans are harmless."""
    if len(data) > max_bytes:
        raise RuleError("file_too_large", field="file", value=name, limit=max_bytes)
    clean, _kind = classify(name, data)
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(root, sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, target)
    return StoredFile(sha, len(data), clean)


def store_file(root: Path, source: Path, *, max_bytes: int) -> StoredFile:
    """A file from disk (the CLI), under the same checks as an upload."""
    if not source.is_file():
        raise RuleError("file_missing", field="file", value=str(source))
    if source.stat().st_size > max_bytes:
        raise RuleError("file_too_large", field="file", value=source.name, limit=max_bytes)
    return store_bytes(root, source.name, source.read_bytes(), max_bytes=max_bytes)
