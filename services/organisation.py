"""The organisation (units, people, roles) with the negative list, and the calendar's
overrides: what an operator loads or declares, each in one transaction."""

from datetime import date
from pathlib import Path

from messages import RuleError
from models.deadlines.calendar import CalendarOverride
from models.deadlines.dates import near_day
from models.people.leaving import Forgotten
from models.people.orgfile import OrgSummary
from models.text import clean_text
from services import context as ctx
from services.rulebook import load_negative_list, load_org
from store.db import transaction


def load(path: Path) -> OrgSummary:
    with transaction(ctx.database()) as session:
        load_negative_list(session, path=ctx.settings().negative_list_file)
        return load_org(session, path=path, allowed_hosts=ctx.settings().allowed_webhook_hosts, now=ctx.now())


def set_calendar_day(day: date, *, workday: bool, note: str = "") -> date:
    """Declare a day a working day or a holiday (for years chinesecalendar does not know yet)."""
    the_day = near_day(day, today=ctx.now().date(), window_days=ctx.settings().due_window_days, field="day")
    note = clean_text(note, field="note", limit=200, required=False)
    with transaction(ctx.database()) as session:
        session.merge(CalendarOverride(day=the_day, workday=workday, note=note))
    return the_day


def refresh_negative_list() -> int:
    """The configured negative list into the ledger (every start of the embedded stack)."""
    with transaction(ctx.database()) as session:
        return load_negative_list(session, path=ctx.settings().negative_list_file)


def forget_person(email: str, *, by_email: str) -> Forgotten:
    """`rectiflow org forget`: an administrator erases a departed person's data (models/people/leaving.py)."""
    from models.people.directory import person_by_email, roles_of
    from models.people.leaving import forget
    from models.people.org import Role

    with transaction(ctx.database()) as session:
        admin = person_by_email(session, by_email)
        if Role.admin not in roles_of(session, admin):
            raise RuleError("not_admin", field="as", value=admin.email)
        return forget(session, person_by_email(session, email, field="email"), by=admin, now=ctx.now())
