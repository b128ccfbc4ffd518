"""The monthly inspection round (督察): every branch is inspected once a month by a team of
inspectors from other units, with the load spread evenly. Opening a month twice changes
nothing."""

from calendar import monthrange
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, UniqueConstraint, col, select

from messages import RuleError
from models.audit.chain import append_event
from models.catalogue import manifestations
from models.columns import enum_type, stored_id, utc
from models.deadlines.calendar import WorkCalendar, local_date
from models.outbox import enqueue
from models.people.org import Membership, Person, Role, Unit, UnitKind
from models.policy import Policy


class RoundStatus(StrEnum):
    open = "open"
    closed = "closed"


class Round(SQLModel, table=True):
    __tablename__ = "inspection_round"

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(unique=True, max_length=7)  # "2026-11"
    status: RoundStatus = Field(default=RoundStatus.open, sa_type=enum_type(RoundStatus))
    opened_at: datetime = Field(sa_type=utc)
    closes_on: date
    closed_at: datetime | None = Field(default=None, sa_type=utc)


class RoundAssignment(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "unit_id", "inspector_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    inspector_id: int = Field(foreign_key="person.id")


class RoundResult(SQLModel, table=True):
    """One checklist item of one unit in one round: passed, or failed with its finding."""

    __table_args__ = (UniqueConstraint("round_id", "unit_id", "manifestation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    manifestation_id: str = Field(foreign_key="manifestation.id")
    passed: bool
    finding_id: int | None = Field(default=None, foreign_key="finding.id")
    recorded_at: datetime = Field(sa_type=utc)


def parse_month(text: str) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in text.strip().split("-"))
        date(year, month, 1)
    except ValueError:
        raise RuleError("bad_month", field="month", value=text) from None
    return year, month


def first_working_day(calendar: WorkCalendar, year: int, month: int) -> date:
    day = date(year, month, 1)
    while not calendar.is_workday(day):
        day = date.fromordinal(day.toordinal() + 1)
    return day


def plan(units: Sequence[int], inspectors: Sequence[int], own: dict[int, set[int]], *, team: int,
         turn: int = 0) -> dict[int, list[int]]:
    """Give each unit `team` inspectors who hold no role in it, least-loaded first; `turn`
    (the month's number) rotates ties so pairings change from month to month."""
    load = {p: 0 for p in inspectors}
    order = list(inspectors[turn % len(inspectors):]) + list(inspectors[:turn % len(inspectors)]) if inspectors else []
    out: dict[int, list[int]] = {}
    for unit in units:
        eligible = [p for p in order if unit not in own.get(p, set())]
        if len(eligible) < team:
            raise RuleError("round_short", field="team", value=unit, limit=team)
        chosen = sorted(eligible, key=lambda p: load[p])[:team]  # stable: rotation breaks ties
        for p in chosen:
            load[p] += 1
        out[unit] = chosen
    return out


def open_round(session: Session, *, month: str, now: datetime, policy: Policy, team: int = 2,
               close_day: int = 20) -> tuple[Round, bool]:
    """Open the month's round and assign inspectors (once). Returns (round, newly opened)."""
    year, mon = parse_month(month)
    month = f"{year:04d}-{mon:02d}"
    existing = session.exec(select(Round).where(col(Round.month) == month)).first()
    if existing is not None:
        return existing, False
    branches = list(session.exec(select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code))))
    inspectors = list(session.exec(
        select(Person).join(Membership, col(Membership.person_id) == Person.id)
        .where(col(Membership.role) == Role.inspector, col(Person.active) == True).order_by(col(Person.id))).unique())  # noqa: E712
    own: dict[int, set[int]] = {}
    for m in session.exec(select(Membership)):
        own.setdefault(m.person_id, set()).add(m.unit_id)
    units_by_id = {u.id: u for u in branches}
    try:
        teams = plan([stored_id(u) for u in branches], [stored_id(p) for p in inspectors], own, team=team,
                     turn=year * 12 + mon)
    except RuleError as exc:
        unit = units_by_id[exc.params["value"]]
        raise RuleError("round_short", field="team", value=unit.code, limit=team) from None
    closes_on = date(year, mon, min(close_day, 28))
    opened_on = local_date(now, policy.timezone)
    if opened_on > closes_on and (opened_on.year, opened_on.month) == (year, mon):
        # Opened by hand after the usual closing day: give the inspectors until month end.
        closes_on = date(year, mon, monthrange(year, mon)[1])
    rnd = Round(month=month, opened_at=now, closes_on=closes_on)
    session.add(rnd)
    session.flush()
    for unit_id, people in teams.items():
        for p in people:
            session.add(RoundAssignment(round_id=stored_id(rnd), unit_id=unit_id, inspector_id=p))
    append_event(session, finding_id=None, actor="system", kind="round_open", now=now,
                 data={"month": month, "teams": {units_by_id[u].code: people for u, people in teams.items()}})
    checklist = [{"id": m.id, "title_zh": m.title_zh, "title_en": m.title_en,
                  "class": m.default_class.value} for m in manifestations(session)]
    inspector_by_id = {stored_id(p): p for p in inspectors}
    for person_id in sorted({p for team_ in teams.values() for p in team_}):
        person = inspector_by_id[person_id]
        mine = [{"code": units_by_id[u].code, "name": units_by_id[u].name} for u, t in teams.items() if person_id in t]
        enqueue(session, dedupe_key=f"round:{month}:{person_id}", recipient_id=person_id, recipient_email=person.email,
                template="round_checklist", language=person.language or policy.language, now=now,
                context={"recipient": person.name, "month": month, "closes_on": closes_on.isoformat(),
                         "inspector": person.email, "units": mine, "checklist": checklist})
    session.flush()
    return rnd, True


def close_round(session: Session, *, month: str, now: datetime) -> Round:
    year, mon = parse_month(month)
    month = f"{year:04d}-{mon:02d}"
    rnd = session.exec(select(Round).where(col(Round.month) == month)).first()
    if rnd is None:
        raise RuleError("no_round", field="month", value=month)
    if rnd.status is RoundStatus.open:
        rnd.status, rnd.closed_at = RoundStatus.closed, now
        session.add(rnd)
        append_event(session, finding_id=None, actor="system", kind="round_close", now=now, data={"month": month})
    return rnd


def teams_of(session: Session, rnd: Round) -> dict[str, list[str]]:
    """unit code -> inspector emails, for display."""
    rows = session.exec(select(Unit.code, Person.email).join(RoundAssignment, col(RoundAssignment.unit_id) == Unit.id)
                        .join(Person, col(Person.id) == RoundAssignment.inspector_id)
                        .where(col(RoundAssignment.round_id) == rnd.id).order_by(col(Unit.code), Person.email))
    out: dict[str, list[str]] = {}
    for code, email in rows:
        out.setdefault(code, []).append(email)
    return out


def round_for(session: Session, month: str, *, open_only: bool = True) -> Round:
    year, mon = parse_month(month)
    month = f"{year:04d}-{mon:02d}"
    rnd = session.exec(select(Round).where(col(Round.month) == month)).first()
    if rnd is None:
        raise RuleError("no_round", field="month", value=month)
    if open_only and rnd.status is RoundStatus.closed:
        raise RuleError("round_closed", field="month", value=month)
    return rnd


def record_results(session: Session, rnd: Round, results: list[tuple[str, str, bool, int | None]], *,
                   now: datetime) -> int:
    """Record (unit code, manifestation id, passed, finding id) once each; returns how many are new."""
    units = {u.code: stored_id(u) for u in session.exec(select(Unit))}
    known = {(r.unit_id, r.manifestation_id) for r in session.exec(
        select(RoundResult).where(col(RoundResult.round_id) == rnd.id))}
    added = 0
    for unit, manifestation, passed, finding_id in results:
        if (units[unit], manifestation) in known:
            continue
        known.add((units[unit], manifestation))
        session.add(RoundResult(round_id=stored_id(rnd), unit_id=units[unit], manifestation_id=manifestation,
                                passed=passed, finding_id=finding_id, recorded_at=now))
        added += 1
    session.flush()
    return added


def clean_units(session: Session, rnd: Round) -> list[str]:
    """Units with results this round and no failed item: clean for the month."""
    rows = session.exec(select(Unit.code, RoundResult.passed).join(RoundResult, col(RoundResult.unit_id) == Unit.id)
                        .where(col(RoundResult.round_id) == rnd.id))
    verdict: dict[str, bool] = {}
    for code, passed in rows:
        verdict[code] = verdict.get(code, True) and passed
    return sorted(code for code, ok in verdict.items() if ok)
