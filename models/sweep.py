"""The daily deadline sweep's decisions (DESIGN §6), for one moment `now`.

On a working day: remind owners of items coming due, step overdue items up the ladder,
and give each person at most one digest mail for the day with everything they must hear.
Each query is bounded by the due date (indexed with the state), so the cost grows with the
items due or overdue, not with all items. Everything is written in the caller's
transaction; a second sweep the same day finds nothing new to tell.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, select

from models.alerts import Alert
from models.calendar import WorkCalendar, local_date
from models.catalogue import Manifestation
from models.escalation import DeadlinePolicy, audience, escalate
from models.finding import Finding, State
from models.org import Person, Unit
from models.outbox import enqueue
from models.policy import Policy

COLOUR_RANK = {"red": 0, "yellow": 1, "blue": 2, "": 3}


@dataclass
class Overdue:
    code: str
    unit: str
    owner: str
    days_overdue: int
    level: int
    colour: str
    flow_run_id: str | None


@dataclass
class SweepResult:
    day: date
    workday: bool
    reminders: int = 0
    escalations: list[tuple[str, int]] = field(default_factory=list)  # (code, level)
    overdue: list[Overdue] = field(default_factory=list)
    digests: int = 0
    deferred: int = 0  # alerts for people who already had today's digest: tomorrow's

    def summary(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "workday": self.workday, "reminders": self.reminders,
                "escalations": len(self.escalations), "overdue": len(self.overdue),
                "digests": self.digests, "deferred": self.deferred}


def _alert(session: Session, finding: Finding, person: Person, *, kind: str, key: str, level: int,
           days: int, now: datetime) -> int:
    exists = session.exec(select(Alert.id).where(Alert.finding_id == finding.id, Alert.person_id == person.id,
                                                 Alert.key == key)).first()
    if exists is not None:
        return 0
    session.add(Alert(finding_id=finding.id, person_id=person.id, kind=kind, key=key, level=level, days=days,
                      created_at=now))
    return 1


def sweep(session: Session, *, now: datetime, policy: Policy, deadlines: DeadlinePolicy) -> SweepResult:
    calendar = WorkCalendar.from_session(session)
    today = local_date(now, policy.timezone)
    result = SweepResult(day=today, workday=calendar.is_workday(today))
    if not result.workday:
        return result  # nothing on holidays and weekends (make-up working days do count)

    # Reminders: assigned items due within the furthest reminder, by working days left.
    if deadlines.reminders:
        horizon = calendar.add_working_days(today, max(deadlines.reminders)).day
        coming = session.exec(select(Finding).where(Finding.state == State.assigned, Finding.due_on >= today,
                                                    Finding.due_on <= horizon))
        for f in coming:
            assert f.due_on is not None
            left = calendar.working_days_between(today, f.due_on)
            # The nearest reminder point not passed yet: a missed sweep day still reminds once.
            point = min((r for r in deadlines.reminders if r >= left), default=None)
            owner = session.get(Person, f.owner_id) if f.owner_id else None
            if point is not None and owner is not None and owner.active:
                result.reminders += _alert(session, f, owner, kind="reminder", key=f"remind:{f.due_on}:{point}",
                                           level=0, days=left, now=now)

    # Escalation: assigned items past due (a submitted item waits on its verifier, not its owner).
    late = session.exec(select(Finding).where(Finding.state == State.assigned, Finding.due_on < today))
    for f in late:
        assert f.due_on is not None
        over = max(calendar.working_days_between(f.due_on, today), 1)
        target = deadlines.level_for(over)
        for lv in deadlines.levels:
            if f.escalation_level < lv.level <= target and escalate(session, finding=f, level=lv.level,
                                                                      days_overdue=over, now=now):
                result.escalations.append((f.code, lv.level))
                for who in lv.notify:
                    for person in audience(session, f, who):
                        _alert(session, f, person, kind="escalation", key=f"level:{lv.level}:{f.due_on}",
                               level=lv.level, days=over, now=now)
        unit = session.get(Unit, f.unit_id)
        owner = session.get(Person, f.owner_id) if f.owner_id else None
        result.overdue.append(Overdue(f.code, unit.name if unit else "", owner.name if owner else "", over,
                                      f.escalation_level, deadlines.colour(f.escalation_level), f.flow_run_id))
    session.flush()
    _digests(session, result, now=now, policy=policy, deadlines=deadlines, calendar=calendar)
    return result


def _line(session: Session, f: Finding, deadlines: DeadlinePolicy, *, why: str, days: int) -> dict[str, Any]:
    unit = session.get(Unit, f.unit_id)
    man = session.get(Manifestation, f.manifestation_id)
    owner = session.get(Person, f.owner_id) if f.owner_id else None
    return {"code": f.code, "title": f.title, "unit": unit.name if unit else "", "owner": owner.name if owner else "",
            "manifestation_id": man.id if man else "", "due_on": f.due_on.isoformat() if f.due_on else "",
            "level": f.escalation_level, "colour": deadlines.colour(f.escalation_level), "why": why, "days": days}


def _digests(session: Session, result: SweepResult, *, now: datetime, policy: Policy, deadlines: DeadlinePolicy,
             calendar: WorkCalendar) -> None:
    pending = session.exec(select(Alert).where(Alert.digest_id.is_(None), Alert.cancelled == False)  # type: ignore[union-attr]  # noqa: E712
                           .order_by(Alert.id)).all()
    by_person: dict[int, dict[str, dict[str, Any]]] = {}
    alerts_of: dict[int, list[Alert]] = {}
    for a in pending:
        f = session.get(Finding, a.finding_id)
        if f is None or not f.state.is_open:
            a.cancelled = True
            session.add(a)
            continue
        why = "reminder" if a.kind == "reminder" else "escalated"
        by_person.setdefault(a.person_id, {})[f.code] = _line(session, f, deadlines, why=why, days=a.days)
        alerts_of.setdefault(a.person_id, []).append(a)
    # Owners hear of their own overdue items every working day, in the same one digest.
    for od in result.overdue:
        f = session.exec(select(Finding).where(Finding.code == od.code)).one()
        if f.owner_id is not None:
            lines = by_person.setdefault(f.owner_id, {})
            lines.setdefault(f.code, _line(session, f, deadlines, why="overdue", days=od.days_overdue))
    for person_id, lines in by_person.items():
        person = session.get(Person, person_id)
        if person is None or not person.active:
            continue
        items = sorted(lines.values(), key=lambda x: (COLOUR_RANK[x["colour"]], x["why"] != "escalated", x["code"]))
        row = enqueue(session, dedupe_key=f"digest:{person_id}:{result.day.isoformat()}", recipient_id=person_id,
                      recipient_email=person.email, template="digest", language=person.language or policy.language,
                      context={"recipient": person.name, "day": result.day.isoformat(), "items": items}, now=now)
        if row is None:  # already had today's digest: what is new waits for tomorrow's
            result.deferred += len(alerts_of.get(person_id, []))
            continue
        session.flush()
        result.digests += 1
        for a in alerts_of.get(person_id, []):
            a.digest_id = row.id
            session.add(a)
    session.flush()
