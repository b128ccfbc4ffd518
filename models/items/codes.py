"""Finding codes like ZG-2026-11-0007: unique and gap-free per month.

The counter row is bumped inside the filing transaction, so a refused or rolled-back
filing gives its number back; on PostgreSQL the UPDATE's row lock orders concurrent filers.
"""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel


class CodeCounter(SQLModel, table=True):
    month: str = Field(primary_key=True, max_length=7)  # "2026-11"
    last: int = 0


def next_code(session: Session, *, local_now: datetime, prefix: str = "ZG") -> str:
    month = local_now.strftime("%Y-%m")
    for _ in range(2):
        bumped = session.execute(
            update(CodeCounter)
            .where(CodeCounter.month == month)
            .values(last=CodeCounter.last + 1)
            .returning(CodeCounter.last)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if bumped is not None:
            return f"{prefix}-{month}-{bumped:04d}"
        try:
            with session.begin_nested():
                session.add(CodeCounter(month=month, last=1))
            return f"{prefix}-{month}-0001"
        except IntegrityError:
            continue  # another filer created the month's row first; bump it instead
    raise RuntimeError("could not allocate a finding code")
