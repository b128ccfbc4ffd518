"""Dates a person enters are bounded: a due date (a return's new date, an extension) lies
after today and within the due window (`RECTIFLOW_DUE_WINDOW_DAYS`, two years by default);
a moment to sweep for, or a calendar day to declare, lies within the window either side of
today. Nothing a person types can send a count or a calendar to the year 9999."""

from datetime import UTC, date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from messages import RuleError


@overload
def parse_day(value: str, *, field: str) -> date: ...
@overload
def parse_day(value: None, *, field: str) -> None: ...
@overload
def parse_day(value: str | None, *, field: str) -> date | None: ...
def parse_day(value: str | None, *, field: str) -> date | None:
    """A date as a person typed it (YYYY-MM-DD); None stays None; anything else is refused,
    naming the field."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleError("bad_date", field=field, value=value[:40]) from None


def due_date(day: date, *, today: date, window_days: int, field: str) -> date:
    """A new due date: after today, at most `window_days` ahead."""
    if day <= today:
        raise RuleError("date_in_past", field=field, value=day.isoformat())
    last = today + timedelta(days=window_days)
    if day > last:
        raise RuleError("date_too_far", field=field, value=day.isoformat(),
                        first=(today + timedelta(days=1)).isoformat(), last=last.isoformat())
    return day


def near_day(day: date, *, today: date, window_days: int, field: str) -> date:
    """A day around today (a calendar override): within `window_days` either side."""
    first, last = today - timedelta(days=window_days), today + timedelta(days=window_days)
    if not first <= day <= last:
        raise RuleError("date_too_far", field=field, value=day.isoformat(), first=first.isoformat(),
                        last=last.isoformat())
    return day


def typed_moment(text: str, *, zone: str, now: datetime, window_days: int, field: str) -> datetime:
    """A moment as a person typed it (the sweep's --now): ISO, read once where it enters, then
    as `bureau_moment` takes it."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise RuleError("bad_moment", field=field, value=text[:40]) from None
    return bureau_moment(at, zone=zone, now=now, window_days=window_days, field=field)


def bureau_moment(at: datetime, *, zone: str, now: datetime, window_days: int, field: str) -> datetime:
    """A moment as it entered (typed, or a form's value read by Prefect): without an offset the
    bureau's wall clock; within `window_days` of now either side; passed on as aware UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(zone))
    near_day(at.date(), today=now.astimezone(at.tzinfo).date(), window_days=window_days, field=field)
    return at.astimezone(UTC)
