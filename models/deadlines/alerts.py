"""Alerts: what a person must hear about an item (a reminder, an escalation), collected by
the sweep into at most one digest mail per person per day.

An alert is unique per (item, person, key): the key names the occasion ("remind:<due>:3",
"level:2:<due>"), so the same reminder or escalation is never told twice, and one that
missed today's digest (the person already had one) goes into the next.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.columns import utc


class Alert(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("finding_id", "person_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=16)  # reminder | escalation | verify
    key: str = Field(max_length=60)
    level: int = 0
    days: int = 0  # working days left (reminder), overdue (escalation) or waiting (verify)
    created_at: datetime = Field(sa_type=utc)
    digest_id: int | None = Field(default=None, foreign_key="notification.id", index=True)
    cancelled: bool = False
