"""The table of extension requests (延期申请), apart from the commands that make and decide
them (models/items/extension.py): the lifecycle's separation-of-duties check reads it too."""

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, col, select

from models.columns import enum_type, utc
from models.items.finding import Finding


class ExtensionStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Extension(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    requested_by_id: int = Field(foreign_key="person.id")
    requested_at: datetime = Field(sa_type=utc)
    from_due: date
    to_due: date
    reason: str = Field(max_length=2000)
    status: ExtensionStatus = Field(default=ExtensionStatus.pending, sa_type=enum_type(ExtensionStatus))
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = Field(default=None, sa_type=utc)
    decision_reason: str = Field(default="", max_length=2000)


def pending_extension(session: Session, finding: Finding) -> Extension | None:
    return session.exec(select(Extension).where(col(Extension.finding_id) == finding.id,
                                                col(Extension.status) == ExtensionStatus.pending)).first()
