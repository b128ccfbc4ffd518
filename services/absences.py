"""委托: declaring an absence with a delegate, ending it early, listing them: one transaction
each, the same for the CLI and the portal (models/people/absence.py holds the rules)."""

from dataclasses import dataclass
from datetime import date

from models.columns import stored_id
from models.people.absence import absences_of, declare_absence, end_absence
from models.people.directory import person_by_email
from models.people.org import Person
from models.text import row_id
from services import context as ctx
from services.items import Identify, acting
from store.db import reading, transaction


@dataclass(frozen=True)
class AbsenceView:
    id: int
    person: str
    person_email: str
    delegate: str
    delegate_email: str
    first_day: date
    last_day: date
    reason: str
    now: bool  # holding at this moment


def declare(*, actor: str | Identify, person: str | None, delegate: str, first: date, last: date,
            reason: str) -> int:
    """An absence for `person` (None: the actor themself)."""
    with transaction(ctx.database()) as session:
        who = acting(session, actor)
        away = person_by_email(session, person, field="for") if person else who
        absence = declare_absence(session, actor=who, person=away,
                                  delegate=person_by_email(session, delegate, field="delegate"), first=first,
                                  last=last, reason=reason, now=ctx.now(), timezone=ctx.settings().timezone)
        return stored_id(absence)


def end(*, actor: str | Identify, absence_id: int) -> None:
    with transaction(ctx.database()) as session:
        end_absence(session, actor=acting(session, actor), absence_id=row_id(absence_id, field="absence"),
                    now=ctx.now())


def listed(*, person_id: int | None) -> list[AbsenceView]:
    """Absences not over yet: one person's (theirs and those they stand in for), or all."""
    now = ctx.now()
    with reading(ctx.database()) as session:
        views = []
        for a in absences_of(session, person_id, now):
            p, d = session.get(Person, a.person_id), session.get(Person, a.delegate_id)
            assert p is not None and d is not None
            views.append(AbsenceView(stored_id(a), p.name, p.email, d.name, d.email, a.first_day, a.last_day,
                                     a.reason, a.starts_at <= now))
        return views
