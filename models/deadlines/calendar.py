"""Working days of the Chinese calendar, with statutory holidays and make-up days (调休).

chinesecalendar knows the State Council's published years. For a date it does not know,
an override row decides; failing that, Monday-Friday is assumed and the result is marked
provisional, so a deadline in next year's unpublished calendar never crashes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlmodel import Field, Session, SQLModel, select


class CalendarOverride(SQLModel, table=True):
    day: date = Field(primary_key=True)
    workday: bool
    note: str = Field(default="", max_length=200)


@dataclass(frozen=True)
class Deadline:
    day: date
    provisional: bool


# The years chinesecalendar publishes: counted from a prefix table built once per process.
KNOWN_FIRST = date(2004, 1, 1)
KNOWN_LAST = date(max(chinese_calendar.constants.holidays).year, 12, 31)


def _weekdays_upto(ordinal: int) -> int:
    """Monday-Friday days among ordinals 1..n (ordinal 1, 0001-01-01, is a Monday)."""
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


# chinesecalendar's own tables, read directly: its is_workday() checks the date's range
# against every key of both tables on each call, which made this process-start table cost
# 0.2 s (8,400 days) in every case pass.
_HOLIDAYS = frozenset(chinese_calendar.constants.holidays)
_MAKEUP_DAYS = frozenset(chinese_calendar.constants.workdays)


def _published_workday(day: date) -> bool:
    """What chinese_calendar.is_workday(day) says, for a day of the known years."""
    return day in _MAKEUP_DAYS or (day.weekday() < 5 and day not in _HOLIDAYS)


@lru_cache(maxsize=1)
def _prefix() -> tuple[int, ...]:
    """prefix[i]: working days among the first i days of the known years."""
    counts, n, day = [0], 0, KNOWN_FIRST
    while day <= KNOWN_LAST:
        n += _published_workday(day)
        counts.append(n)
        day += timedelta(days=1)
    return tuple(counts)


def _base_workday(day: date) -> bool:
    if KNOWN_FIRST <= day <= KNOWN_LAST:
        return _published_workday(day)
    return day.weekday() < 5


def _base_count(day: date) -> int:
    """W(day) with W(b) - W(a) = working days in (a, b], before overrides. O(1)."""
    if day < KNOWN_FIRST:
        return -(_weekdays_upto(KNOWN_FIRST.toordinal() - 1) - _weekdays_upto(day.toordinal()))
    if day <= KNOWN_LAST:
        return _prefix()[(day - KNOWN_FIRST).days + 1]
    return _prefix()[-1] + _weekdays_upto(day.toordinal()) - _weekdays_upto(KNOWN_LAST.toordinal())


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        # Only the overrides that differ from the base calendar change a count.
        self._overrides = dict(overrides or {})
        self._deltas = sorted((day, int(w) - int(_base_workday(day))) for day, w in self._overrides.items()
                              if w != _base_workday(day))

    @classmethod
    def from_session(cls, session: Session) -> "WorkCalendar":
        """The calendar for this transaction (read once per session: a batch asks often)."""
        if "work_calendar" not in session.info:
            rows = session.exec(select(CalendarOverride)).all()
            session.info["work_calendar"] = cls({row.day: row.workday for row in rows})
        known: WorkCalendar = session.info["work_calendar"]
        return known

    def knows(self, day: date) -> bool:
        return day in self._overrides or KNOWN_FIRST <= day <= KNOWN_LAST

    def is_workday(self, day: date) -> bool:
        return self._overrides[day] if day in self._overrides else _base_workday(day)

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The `days`-th working day after `start` (start itself not counted). Steps day by
        day, so `days` must stay small (the deadline classes are bounded by the settings)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        day, counted, provisional = start, 0, False
        while counted < days:
            day += timedelta(days=1)
            provisional |= not self.knows(day)
            if self.is_workday(day):
                counted += 1
        return Deadline(day, provisional)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start. Constant time in
        the distance (a due date years away costs what tomorrow costs)."""
        if end < start:
            return -self.working_days_between(end, start)
        n = _base_count(end) - _base_count(start)
        return n + sum(delta for day, delta in self._deltas if start < day <= end)


def local_date(now: datetime, timezone: str) -> date:
    """The calendar day of an aware instant in the bureau's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def local_time(at: datetime, timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as people read it: in the bureau's time zone (the ledger keeps UTC), so an
    item filed at 07:00 in Beijing shows that day, not the day before."""
    return at.astimezone(ZoneInfo(timezone)).strftime(fmt)


def local_day(at: datetime | None, tz: ZoneInfo) -> date | None:
    """The calendar day of an instant that may be missing (a closed_at not yet set)."""
    return at.astimezone(tz).date() if at else None


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    """A month's first and last day, and the instants it starts and the next one starts."""
    first = date(year, month, 1)
    start = datetime(year, month, 1, tzinfo=tz)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return first, (following - timedelta(days=1)).date(), start, following
