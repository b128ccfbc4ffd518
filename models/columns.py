"""Column types shared by the tables."""

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict

from models.db import UTCDateTime


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
