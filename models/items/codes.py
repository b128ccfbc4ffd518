"""Finding codes like ZG-2026-11-0007: unique and gap-free per month.

The counter row is bumped inside the filing transaction, so a refused or rolled-back
filing gives its number back; on PostgreSQL the UPDATE's row lock orders concurrent filers.
"""

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col


class CodeCounter(SQLModel, table=True):
    month: str = Field(primary_key=True, max_length=7)  # "2026-11"
    last: int = 0


def next_code(session: Session, *, local_now: datetime, prefix: str = "ZG") -> str:
    return next_codes(session, local_now=local_now, count=1, prefix=prefix)[0]


def next_codes(session: Session, *, local_now: datetime, count: int, prefix: str = "ZG") -> list[str]:
    """`count` consecutive codes in one bump (a sheet's rows take theirs at once)."""
    month = local_now.strftime("%Y-%m")
    for _ in range(2):
        bumped = session.execute(
            update(CodeCounter)
            .where(col(CodeCounter.month) == month)
            .values(last=CodeCounter.last + count)
            .returning(col(CodeCounter.last))
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if bumped is None:
            try:
                with session.begin_nested():
                    session.add(CodeCounter(month=month, last=count))
                bumped = count
            except IntegrityError:
                continue  # another filer created the month's row first; bump it instead
        return [f"{prefix}-{month}-{n:04d}" for n in range(bumped - count + 1, bumped + 1)]
    raise RuntimeError("could not allocate a finding code")
