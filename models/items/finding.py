"""The rectification item (整改事项): one problem found, the unit of the workflow."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from messages import labels
from models.catalogue import DeadlineClass
from models.columns import enum_type, utc


class State(StrEnum):
    filed = "filed"
    assigned = "assigned"
    submitted = "submitted"
    closed = "closed"
    withdrawn = "withdrawn"

    @property
    def is_open(self) -> bool:
        return self not in (State.closed, State.withdrawn)


# The names people read: messages/labels.py.
STATE_LABELS: dict[State, tuple[str, str]] = {s: labels.STATES[s.value] for s in State}
CLASS_LABELS: dict[DeadlineClass, tuple[str, str]] = {c: labels.CLASSES[c.value] for c in DeadlineClass}


class Finding(SQLModel, table=True):
    __table_args__ = (Index("ix_finding_open_due", "state", "due_on"),
                      # The sweep's 签收 step: assigned, not signed for, handed over in a window.
                      Index("ix_finding_unsigned", "state", "acknowledged_at", "assigned_at"),
                      Index("ix_finding_recurrence", "unit_id", "manifestation_id", "filed_at"))

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=24)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    manifestation_id: str = Field(foreign_key="manifestation.id", index=True)
    title: str = Field(max_length=200)
    detail: str = Field(default="", max_length=4000)
    deadline_class: DeadlineClass = Field(sa_type=enum_type(DeadlineClass))
    state: State = Field(sa_type=enum_type(State))
    filed_by_id: int = Field(foreign_key="person.id")
    filed_at: datetime = Field(sa_type=utc)
    # 分解: the item this one was split from (its own owner and due date, no later than the
    # parent's); the parent is handed in only once every sub-item is closed or withdrawn.
    parent_id: int | None = Field(default=None, foreign_key="finding.id", index=True)
    # 反弹: the earlier finding for the same unit and manifestation within the window.
    recurrence_of_id: int | None = Field(default=None, foreign_key="finding.id")
    # Where a batch import filed it from (the sheet's reference or the row's content hash):
    # importing the same sheet again files nothing twice.
    import_key: str | None = Field(default=None, unique=True, max_length=64)
    # The owner named at filing; else the unit's secretary is assigned.
    proposed_owner_id: int | None = Field(default=None, foreign_key="person.id")
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    # When the item was handed to its current owner, and when they acknowledged it (签收; a
    # reassignment asks the new owner to acknowledge again).
    assigned_at: datetime | None = Field(default=None, sa_type=utc)
    acknowledged_at: datetime | None = Field(default=None, sa_type=utc)
    due_on: date | None = None
    original_due_on: date | None = None
    due_provisional: bool = False
    escalation_level: int = 0
    closed_at: datetime | None = Field(default=None, sa_type=utc)
    # Bumped by every command: dedupe keys and "changed since" checks read it.
    version: int = 0
    updated_at: datetime = Field(sa_type=utc)
    # The Prefect side: its case run, and why it has none yet (reconcile starts it).
    flow_run_id: str | None = Field(default=None, max_length=36, index=True)
    run_note: str = Field(default="", max_length=500)
    # The version the case run last went to sleep on: reconcile wakes it when they differ.
    suspended_version: int = -1
    # Highest audit event id already mirrored to Prefect's event feed.
    published_event_id: int = 0
