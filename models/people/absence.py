"""委托: a person away (from–to, with a delegate from their own unit or the one above). While
it lasts their mail, digests and item links go to the delegate, who acts *for* them: the
delegate holds the person's standing on items besides their own, every act is recorded with
both names, and separation of duties binds both (models/items/lifecycle.py). Deadlines do
not move. An absence is kept as the instants it starts and ends in the bureau's time zone
(whole local days), so whether it holds at `now` needs no time zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from sqlmodel import Field, Session, SQLModel, col, select

from messages import RuleError
from models.audit.chain import append_event
from models.columns import stored_id, utc
from models.people.directory import memberships_of
from models.people.org import Person, Role, Unit
from models.text import clean_text

MAX_DAYS = 92  # an absence longer than a quarter is a reassignment, not a stand-in
DECLARERS = (Role.supervisor, Role.admin)  # may declare an absence for someone else


class Absence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    delegate_id: int = Field(foreign_key="person.id", index=True)
    starts_at: datetime = Field(sa_type=utc)
    ends_at: datetime = Field(sa_type=utc)  # exclusive: the start of the day after the last day away
    first_day: date
    last_day: date
    reason: str = Field(max_length=200)
    declared_by_id: int = Field(foreign_key="person.id")
    declared_at: datetime = Field(sa_type=utc)
    ended_at: datetime | None = Field(default=None, sa_type=utc)  # ended early (back sooner)


def _holds(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (col(Absence.starts_at) <= now, col(Absence.ends_at) > now, col(Absence.ended_at).is_(None))


def away_now(session: Session, person_id: int, now: datetime) -> Absence | None:
    """The person's absence holding at `now`, if any."""
    return session.exec(select(Absence).where(col(Absence.person_id) == person_id, *_holds(now))).first()


def delegate_of(session: Session, person: Person, now: datetime) -> Person | None:
    """Who receives this person's mail and acts for them now (None: they are here, or their
    delegate has been deactivated since — then the mail stays theirs rather than go nowhere)."""
    absence = away_now(session, stored_id(person), now)
    delegate = session.get(Person, absence.delegate_id) if absence is not None else None
    return delegate if delegate is not None and delegate.active else None


def addressee(session: Session, person: Person, now: datetime, language: str) -> tuple[Person, str]:
    """Who a message for `person` goes to now, and how it greets them: the person, or their
    delegate "陈晓雨（代王建国）" while they are away. `language`: the bureau's, unless the
    recipient has their own."""
    delegate = delegate_of(session, person, now)
    if delegate is None:
        return person, person.name
    zh = (delegate.language or language) == "zh"
    return delegate, f"{delegate.name}（代{person.name}）" if zh else f"{delegate.name} (for {person.name})"


def delegates_now(session: Session, now: datetime) -> dict[int, int]:
    """Every absent person's (active) delegate at `now` (a sweep reads them once)."""
    return dict(session.exec(select(Absence.person_id, Absence.delegate_id)
                             .join(Person, col(Person.id) == Absence.delegate_id)
                             .where(*_holds(now), col(Person.active) == True)).all())  # noqa: E712


def stands_for(session: Session, person_id: int, now: datetime) -> list[Person]:
    """The people this person stands in for at `now`."""
    ids = session.exec(select(Absence.person_id).where(col(Absence.delegate_id) == person_id, *_holds(now))).all()
    return [p for p in (session.get(Person, i) for i in ids) if p is not None]


def _units_near(session: Session, person_id: int) -> set[int]:
    """The person's units and the ones directly above them."""
    units = {m.unit_id for m in memberships_of(session, person_id)}
    parents = {u.parent_id for u in (session.get(Unit, i) for i in units) if u is not None and u.parent_id}
    return units | parents


def declare_absence(session: Session, *, actor: Person, person: Person, delegate: Person, first: date,
                    last: date, reason: str, now: datetime, timezone: str) -> Absence:
    """Record an absence, all checked first: the person themself or a supervisor declares it
    (a supervisor never naming themself); the delegate is someone else, active, from the
    person's unit or the one above, and not away (or standing in for someone) at the same time."""
    if not actor.active:
        raise RuleError("inactive_person", field="as", value=actor.email)
    roles = {m.role for m in memberships_of(session, stored_id(actor))}
    if actor.id != person.id and not roles & set(DECLARERS):
        raise RuleError("absence_forbidden", field="for", value=person.email)
    reason = clean_text(reason, field="reason", limit=200)
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    if first < today:
        raise RuleError("absence_past", field="from", value=first.isoformat())
    if last < first or (last - first).days >= MAX_DAYS:
        raise RuleError("absence_span", field="to", value=last.isoformat(), limit=MAX_DAYS)
    if first > today + timedelta(days=366):
        raise RuleError("absence_span", field="from", value=first.isoformat(), limit=MAX_DAYS)
    if delegate.id == person.id:
        raise RuleError("absence_self", field="delegate", value=delegate.email)
    # Taking over someone's mail and standing needs a second person: whoever declares an
    # absence for someone else never names themself the delegate (the person may name anyone).
    if actor.id != person.id and delegate.id == actor.id:
        raise RuleError("absence_self_delegate", field="delegate", value=delegate.email)
    for who, field in ((person, "for"), (delegate, "delegate")):
        if not who.active:
            raise RuleError("inactive_person", field=field, value=who.email)
    if not {m.unit_id for m in memberships_of(session, stored_id(delegate))} & _units_near(session, stored_id(person)):
        raise RuleError("absence_delegate_unit", field="delegate", value=delegate.email)
    starts = datetime.combine(first, time(), tz)
    ends = datetime.combine(last + timedelta(days=1), time(), tz)
    overlapping = (col(Absence.starts_at) < ends, col(Absence.ends_at) > starts, col(Absence.ended_at).is_(None))
    if session.exec(select(Absence.id).where(col(Absence.person_id) == person.id, *overlapping)).first():
        raise RuleError("absence_overlap", field="from", value=person.email)
    if session.exec(select(Absence.id).where(col(Absence.person_id) == delegate.id, *overlapping)).first() or \
            session.exec(select(Absence.id).where(col(Absence.delegate_id) == person.id, *overlapping)).first():
        raise RuleError("absence_chain", field="delegate", value=delegate.email)
    absence = Absence(person_id=stored_id(person), delegate_id=stored_id(delegate), starts_at=starts, ends_at=ends,
                      first_day=first, last_day=last, reason=reason, declared_by_id=stored_id(actor),
                      declared_at=now)
    session.add(absence)
    session.flush()
    append_event(session, finding_id=None, actor=actor.email, kind="absence", now=now,
                 data={"absence": absence.id, "person": person.email, "delegate": delegate.email,
                       "from": first.isoformat(), "to": last.isoformat(), "reason": reason})
    return absence


def end_absence(session: Session, *, actor: Person, absence_id: int, now: datetime) -> Absence:
    """Back sooner: the absence ends now; the delegate's links for the person's items stop."""
    if not actor.active:
        raise RuleError("inactive_person", field="as", value=actor.email)
    absence = session.get(Absence, absence_id)
    if absence is None:
        raise RuleError("absence_missing", field="absence", value=str(absence_id))
    roles = {m.role for m in memberships_of(session, stored_id(actor))}
    if actor.id not in (absence.person_id, absence.delegate_id) and not roles & set(DECLARERS):
        raise RuleError("absence_forbidden", field="absence", value=str(absence_id))
    if absence.ended_at is not None or absence.ends_at <= now:
        raise RuleError("absence_over", field="absence", value=str(absence_id))
    absence.ended_at = max(now, absence.starts_at)
    session.add(absence)
    person, delegate = session.get(Person, absence.person_id), session.get(Person, absence.delegate_id)
    append_event(session, finding_id=None, actor=actor.email, kind="absence_end", now=now,
                 data={"absence": absence.id, "person": person.email if person else "",
                       "delegate": delegate.email if delegate else ""})
    return absence


def absences_of(session: Session, person_id: int | None, now: datetime) -> list[Absence]:
    """Absences not over yet: the person's and those they stand in for (None: everyone's)."""
    query = select(Absence).where(col(Absence.ends_at) > now, col(Absence.ended_at).is_(None))
    if person_id is not None:
        query = query.where((col(Absence.person_id) == person_id) | (col(Absence.delegate_id) == person_id))
    return list(session.exec(query.order_by(col(Absence.starts_at))))
