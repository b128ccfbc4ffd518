"""Working days of the Chinese calendar, with statutory holidays and make-up days (调休).

chinesecalendar knows the State Council's published years. For a date it does not know,
an override row decides; failing that, Monday-Friday is assumed and the result is marked
provisional, so a deadline in next year's unpublished calendar never crashes.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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


class WorkCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._days: dict[date, tuple[bool, bool]] = {}  # day -> (known, workday)

    @classmethod
    def from_session(cls, session: Session) -> "WorkCalendar":
        """The calendar for this transaction (read once per session: a batch asks often)."""
        if "work_calendar" not in session.info:
            rows = session.exec(select(CalendarOverride)).all()
            session.info["work_calendar"] = cls({row.day: row.workday for row in rows})
        return session.info["work_calendar"]

    def _look(self, day: date) -> tuple[bool, bool]:
        if day not in self._days:
            if day in self._overrides:
                self._days[day] = (True, self._overrides[day])
            else:
                try:
                    self._days[day] = (True, bool(chinese_calendar.is_workday(day)))
                except NotImplementedError:
                    self._days[day] = (False, day.weekday() < 5)
        return self._days[day]

    def knows(self, day: date) -> bool:
        return self._look(day)[0]

    def is_workday(self, day: date) -> bool:
        return self._look(day)[1]

    def add_working_days(self, start: date, days: int) -> Deadline:
        """The `days`-th working day after `start` (start itself not counted)."""
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
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        n, day = 0, start
        while day < end:
            day += timedelta(days=1)
            n += self.is_workday(day)
        return n


def local_date(now: datetime, timezone: str) -> date:
    """The calendar day of an aware instant in the bureau's time zone."""
    return now.astimezone(ZoneInfo(timezone)).date()


def local_day(at: datetime | None, tz: ZoneInfo) -> date | None:
    """The calendar day of an instant that may be missing (a closed_at not yet set)."""
    return at.astimezone(tz).date() if at else None


def month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[date, date, datetime, datetime]:
    """A month's first and last day, and the instants it starts and the next one starts."""
    first = date(year, month, 1)
    start = datetime(year, month, 1, tzinfo=tz)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return first, (following - timedelta(days=1)).date(), start, following
