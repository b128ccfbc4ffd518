from datetime import date

import pytest

from models.deadlines.calendar import WorkCalendar


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


def test_national_day_2026_ends_on_make_up_saturday(cal):
    # Sep 29, Sep 30, Oct 8, Oct 9, then Saturday Oct 10 is a make-up working day.
    deadline = cal.add_working_days(date(2026, 9, 28), 5)
    assert deadline.day == date(2026, 10, 10)
    assert not deadline.provisional


def test_holiday_days_are_not_working_days(cal):
    assert not cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 10, 7))
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert not cal.is_workday(date(2026, 10, 11))


def test_spring_festival_2026(cal):
    # Spring Festival 2026: Feb 15-23 off; Saturday Feb 14 and Saturday Feb 28 are worked.
    assert cal.is_workday(date(2026, 2, 14))
    assert all(not cal.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert cal.is_workday(date(2026, 2, 28))
    # From Friday Feb 13: Sat 14 (1), Tue 24 (2), Wed 25 (3) ...
    assert cal.add_working_days(date(2026, 2, 13), 1).day == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2).day == date(2026, 2, 24)


def test_unknown_year_counts_weekdays_and_is_provisional(cal):
    # 2027 is not in chinesecalendar's data: Mon-Fri assumed, marked provisional.
    deadline = cal.add_working_days(date(2026, 12, 28), 5)
    assert deadline.day == date(2027, 1, 4)
    assert deadline.provisional
    assert cal.add_working_days(date(2026, 11, 2), 5).provisional is False


def test_override_table_decides_unknown_days():
    cal = WorkCalendar({date(2027, 1, 1): False})
    assert cal.knows(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 1, 1))
    # From Thu 2026-12-31: Jan 1 (holiday by override), Jan 4 Mon is the first.
    assert cal.add_working_days(date(2026, 12, 31), 1).day == date(2027, 1, 4)


def test_working_days_between_is_signed(cal):
    assert cal.working_days_between(date(2026, 9, 28), date(2026, 10, 10)) == 5
    assert cal.working_days_between(date(2026, 10, 10), date(2026, 9, 28)) == -5
    assert cal.working_days_between(date(2026, 10, 1), date(2026, 10, 1)) == 0


def test_the_published_tables_read_directly_agree_with_chinese_calendar_every_day():
    """models.deadlines.calendar reads chinesecalendar's tables itself (for speed): it must
    say what chinese_calendar.is_workday says on every day of the known years."""
    from datetime import timedelta

    import chinese_calendar

    from models.deadlines.calendar import KNOWN_FIRST, KNOWN_LAST, _published_workday

    day, disagree = KNOWN_FIRST, []
    while day <= KNOWN_LAST:
        if _published_workday(day) != chinese_calendar.is_workday(day):
            disagree.append(day)
        day += timedelta(days=1)
    assert disagree == []
