"""Evidence (整改佐证材料) with files kept by content hash, and reviews (验收)."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from messages import RuleError
from models.columns import enum_type, utc
from models.items.filetypes import classify


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


def checked_upload(name: str, data: bytes, *, max_bytes: int) -> str:
    """An upload's clean name, after checking its size and its type (from the content; the
    extension must agree)."""
    if len(data) > max_bytes:
        raise RuleError("file_too_large", field="file", value=name, limit=max_bytes)
    clean, _kind = classify(name, data)
    return clean
