"""Column types shared by the tables."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite would otherwise hand back naive ones."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger; pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum: type[StrEnum]) -> sa.Enum:
    # Store the values ("assigned"), not the member names, as portable VARCHAR.
    return sa.Enum(
        enum,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        length=24,
        validate_strings=True,
    )


def json_type() -> Any:
    return MutableDict.as_mutable(sa.JSON())


utc = UTCDateTime


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: Stored) -> int:
    """The primary key of a row already in the ledger (added and flushed, or read). The
    tables declare `id: int | None` because a new row has none until the flush; a row that
    reaches this without one is a bug in the caller, never a person's input."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no key yet: flush the session first")
    return row.id
