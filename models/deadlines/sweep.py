"""The daily deadline sweep's decisions (DESIGN §6), for one moment `now`.

On a working day: remind owners of items coming due, step overdue items up the ladder,
and give each person at most one digest mail for the day with everything they must hear.
Each query is bounded by the due date (indexed with the state), and the rest is looked up
in bulk, so the cost grows with the items due or overdue, not with all items. Everything
is written in the caller's transaction, which may be committed at each checkpoint; a second
sweep the same day finds nothing new.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, update
from sqlalchemy import select as select_columns  # more columns than sqlmodel's select types
from sqlmodel import Session, col, func, select

from models.columns import stored_id
from models.deadlines.alerts import Alert
from models.deadlines.calendar import WorkCalendar, local_date
from models.deadlines.escalation import DeadlinePolicy, Escalation, audience, record_escalations
from models.items.evidence import Evidence
from models.items.finding import Finding, State
from models.items.lifecycle import verifiers
from models.outbox import Notification, add_rows, messenger_rows, outbox_row
from models.people.absence import delegates_now
from models.people.org import Person, Unit
from models.policy import Policy

COLOUR_RANK = {"red": 0, "yellow": 1, "blue": 2, "": 3}
CHUNK = 500  # ids per IN (...) query


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
    verify: int = 0  # verifiers reminded of evidence waiting on them
    unacknowledged: int = 0  # owners and secretaries told of an item not signed for (签收)
    digests: int = 0
    deferred: int = 0  # alerts for people who already had today's digest: tomorrow's

    def summary(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "workday": self.workday, "reminders": self.reminders,
                "escalations": len(self.escalations), "overdue": len(self.overdue), "verify": self.verify,
                "unacknowledged": self.unacknowledged,
                "digests": self.digests, "deferred": self.deferred}


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


class _Item(NamedTuple):
    """What a digest line needs of an item, kept after its row is let go."""
    code: str
    title: str
    unit_id: int
    owner_id: int | None
    manifestation_id: str
    due_on: date | None
    level: int
    open: bool


def _item(f: Finding) -> _Item:
    return _Item(f.code, f.title, f.unit_id, f.owner_id, f.manifestation_id, f.due_on, f.escalation_level,
                 f.state.is_open)


class _Sweep:
    """One sweep's working set: small tables held whole; the due items read CHUNK at a time,
    decided, written, and let go, so memory does not grow with the number due."""

    def __init__(self, session: Session, now: datetime, deadlines: DeadlinePolicy, tz: str,
                 checkpoint: Callable[[], None]) -> None:
        self.session, self.now, self.deadlines, self.tz = session, now, deadlines, tz
        self.checkpoint = checkpoint
        self.units = {u.id: u for u in session.exec(select(Unit))}
        self.people = {p.id: p for p in session.exec(select(Person))}
        self.items: dict[int, _Item] = {}  # every item the sweep looked at, by id
        self.overdue: list[tuple[int, int]] = []  # (item id, working days overdue)
        self.known_alerts: set[tuple[int, int, str]] = set()  # of the chunk at hand
        self.new_alerts: list[dict[str, Any]] = []  # written as rows by write_alerts()
        self._audiences: dict[tuple[str, int | None], list[Person]] = {}

    def batches(self, *where: Any) -> Iterator[list[Finding]]:
        """The items matching `where`, CHUNK at a time by id, with the alerts they already have;
        once the caller is done with a chunk its alerts are written and its rows let go."""
        last = 0
        while True:
            rows = list(self.session.exec(select(Finding).where(*where, col(Finding.id) > last)
                                          .order_by(col(Finding.id)).limit(CHUNK)))
            if not rows:
                return
            last = stored_id(rows[-1])
            ids = [f.id for f in rows]
            self.known_alerts = set(self.session.exec(
                select(Alert.finding_id, Alert.person_id, Alert.key).where(col(Alert.finding_id).in_(ids))))
            yield rows
            self.write_alerts()
            self.session.flush()
            for f in rows:
                self.items[stored_id(f)] = _item(f)
                self.session.expunge(f)
            self.checkpoint()

    def audience(self, f: Finding, who: str) -> list[Person]:
        if who == "owner":
            owner = self.people.get(f.owner_id)
            return [owner] if owner is not None and owner.active else []
        key = (who, f.unit_id if who in ("secretary", "supervisor") else None)
        if key not in self._audiences:
            self._audiences[key] = audience(self.session, f, who)
        return self._audiences[key]

    def alert(self, f: Finding, person: Person, *, kind: str, key: str, level: int, days: int) -> int:
        if (f.id, person.id, key) in self.known_alerts:
            return 0
        self.known_alerts.add((stored_id(f), stored_id(person), key))
        self.new_alerts.append({"finding_id": f.id, "person_id": person.id, "kind": kind, "key": key, "level": level,
                                "days": days, "created_at": self.now, "digest_id": None, "cancelled": False})
        return 1

    def write_alerts(self) -> None:
        """The chunk's new alerts as rows (an ORM object each cost more than deciding them)."""
        if self.new_alerts:
            self.session.execute(insert(Alert), self.new_alerts)
        self.new_alerts = []

    def line(self, item: _Item, *, why: str, days: int) -> dict[str, Any]:
        unit, owner = self.units.get(item.unit_id), self.people.get(item.owner_id)
        return {"code": item.code, "title": item.title, "unit": unit.name if unit else "",
                "owner": owner.name if owner else "", "manifestation_id": item.manifestation_id,
                "due_on": item.due_on.isoformat() if item.due_on else "", "level": item.level,
                "colour": self.deadlines.colour(item.level), "why": why, "days": days}


def sweep(session: Session, *, now: datetime, policy: Policy, deadlines: DeadlinePolicy,
          checkpoint: Callable[[], None] = lambda: None) -> SweepResult:
    """`checkpoint` is called after each chunk (and each batch of digests) is written: the
    caller may commit there, so a long sweep never holds the ledger for long (SQLite's write
    lock: a portal submit waited for a whole sweep). Every step is safe to repeat — an alert,
    an escalation step or a digest already written is never written twice — so a sweep that
    stops between checkpoints is finished by the next one."""
    calendar = WorkCalendar.from_session(session)
    today = local_date(now, policy.timezone)
    result = SweepResult(day=today, workday=calendar.is_workday(today))
    if not result.workday:
        return result  # nothing on holidays and weekends (make-up working days do count)
    with session.no_autoflush:
        run = _Sweep(session, now, deadlines, policy.timezone, checkpoint)
        _remind(run, result, calendar, today)
        _escalate(run, result, calendar, today)
        _verify(run, result, calendar, today)
        _unacknowledged(run, result, calendar, today)
        _digests(run, result, policy=policy)
    return result


def _remind(run: _Sweep, result: SweepResult, calendar: WorkCalendar, today: date) -> None:
    """Assigned items due within the furthest reminder point, by working days left."""
    if not run.deadlines.reminders:
        return
    horizon = calendar.add_working_days(today, max(run.deadlines.reminders)).day
    for chunk in run.batches(col(Finding.state) == State.assigned, col(Finding.due_on) >= today,
                             col(Finding.due_on) <= horizon):
        for f in chunk:
            assert f.due_on is not None
            left = calendar.working_days_between(today, f.due_on)
            # The nearest reminder point not passed yet: a missed sweep day still reminds once.
            point = min((r for r in run.deadlines.reminders if r >= left), default=None)
            for owner in run.audience(f, "owner") if point is not None else []:
                result.reminders += run.alert(f, owner, kind="reminder", key=f"remind:{f.due_on}:{point}", level=0,
                                              days=left)


def _escalate(run: _Sweep, result: SweepResult, calendar: WorkCalendar, today: date) -> None:
    """Assigned items past due step up the ladder (a submitted item waits on its verifier)."""
    for late in run.batches(col(Finding.state) == State.assigned, col(Finding.due_on) < today):
        done: set[tuple[int, int, date]] = set(run.session.exec(
            select(col(Escalation.finding_id), col(Escalation.level), col(Escalation.due_on))
            .where(col(Escalation.finding_id).in_([f.id for f in late]))))
        steps = []
        overdue = []
        for f in late:
            assert f.due_on is not None
            over = max(calendar.working_days_between(f.due_on, today), 1)
            target = run.deadlines.level_for(over)
            for lv in run.deadlines.levels:
                if f.escalation_level < lv.level <= target and (f.id, lv.level, f.due_on) not in done:
                    result.escalations.append((f.code, lv.level))
                    told: list[str] = []
                    for who in lv.notify:
                        for person in run.audience(f, who):
                            run.alert(f, person, kind="escalation", key=f"level:{lv.level}:{f.due_on}",
                                      level=lv.level, days=over)
                            told.append(person.name)
                    steps.append((f, lv.level, over, lv.colour, list(dict.fromkeys(told))))
            overdue.append(over)
        record_escalations(run.session, steps, now=run.now)
        for f, over in zip(late, overdue, strict=True):  # levels as they stand after today's steps
            unit, owner = run.units.get(f.unit_id), run.people.get(f.owner_id)
            result.overdue.append(Overdue(f.code, unit.name if unit else "", owner.name if owner else "", over,
                                          f.escalation_level, run.deadlines.colour(f.escalation_level),
                                          f.flow_run_id))
            run.overdue.append((stored_id(f), over))


def _verify(run: _Sweep, result: SweepResult, calendar: WorkCalendar, today: date) -> None:
    """Submitted evidence waiting `verify_after` working days or more: its verifiers hear of
    it once per submission (the escalation ladder is for owners; this is the verifier's)."""
    if not run.deadlines.verify_after:
        return
    for waiting in run.batches(col(Finding.state) == State.submitted):
        latest: dict[int, tuple[int | None, datetime]] = {}  # max() is typed as maybe none
        for finding_id, evidence_id, at in run.session.exec(
                select(col(Evidence.finding_id), func.max(Evidence.id), func.max(Evidence.submitted_at))
                .where(col(Evidence.finding_id).in_([f.id for f in waiting])).group_by(col(Evidence.finding_id))):
            latest[finding_id] = (evidence_id, at)
        for f in waiting:
            if f.id not in latest:
                continue
            evidence_id, at = latest[f.id]
            days = calendar.working_days_between(local_date(at, run.tz), today)
            if days < run.deadlines.verify_after:
                continue
            for person in verifiers(run.session, f):
                result.verify += run.alert(f, person, kind="verify", key=f"verify:{evidence_id}", level=0, days=days)


ACK_LOOKBACK_DAYS = 60  # calendar days: an item unsigned for longer is on the escalation ladder by then


def _unacknowledged(run: _Sweep, result: SweepResult, calendar: WorkCalendar, today: date) -> None:
    """Assigned items their owner has not signed for (签收) within `acknowledge_within`
    working days: the owner's digest says so and the branch secretary hears of it, once per
    owner of the item (a reassignment asks the new owner afresh)."""
    within = run.deadlines.acknowledge_within
    if not within:
        return
    day, counted = today, 0
    while counted < within:  # back to the latest day at least `within` working days ago
        day -= timedelta(days=1)
        counted += calendar.is_workday(day)
    tz = ZoneInfo(run.tz)
    before = datetime.combine(day + timedelta(days=1), time(), tz)
    since = datetime.combine(today - timedelta(days=ACK_LOOKBACK_DAYS), time(), tz)
    for chunk in run.batches(col(Finding.state) == State.assigned, col(Finding.acknowledged_at).is_(None),
                             col(Finding.assigned_at) < before, col(Finding.assigned_at) >= since):
        for f in chunk:
            assert f.assigned_at is not None
            days = calendar.working_days_between(local_date(f.assigned_at, run.tz), today)
            for who in ("owner", "secretary"):
                for person in run.audience(f, who):
                    result.unacknowledged += run.alert(f, person, kind="unacknowledged", key=f"ack:{f.owner_id}",
                                                       level=0, days=days)


def _digests(run: _Sweep, result: SweepResult, *, policy: Policy) -> None:
    session = run.session
    pending = list(session.execute(select_columns(col(Alert.id), col(Alert.finding_id), col(Alert.person_id),
                                                  col(Alert.kind), col(Alert.days))
                                   .where(col(Alert.digest_id).is_(None), col(Alert.cancelled) == False)  # noqa: E712
                                   .order_by(col(Alert.id))))
    missing = sorted({a.finding_id for a in pending if a.finding_id not in run.items})
    for ids in _chunks(missing):  # alerts left from an earlier day (deferred): their items, as columns
        for f in session.execute(select_columns(
                col(Finding.id), col(Finding.code), col(Finding.title), col(Finding.unit_id), col(Finding.owner_id),
                col(Finding.manifestation_id), col(Finding.due_on), col(Finding.escalation_level),
                col(Finding.state)).where(col(Finding.id).in_(ids))):
            run.items[f.id] = _Item(f.code, f.title, f.unit_id, f.owner_id, f.manifestation_id, f.due_on,
                                    f.escalation_level, f.state.is_open)
    # Per person: (item id, why, days, mine, for whom), made into lines one batch of digests at a
    # time. Someone away (委托) has theirs in their delegate's one digest, each line saying for whom.
    away = delegates_now(session, run.now)
    by_person: dict[int, dict[int, tuple[int, str, int, bool, int | None]]] = {}
    alerts_of: dict[int, list[int]] = {}
    unsigned: set[tuple[int, int]] = set()  # (person, item): an item not signed for, whatever else the line says
    stale: list[int] = []
    for a in pending:
        item = run.items.get(a.finding_id)
        if item is None or not item.open:
            stale.append(a.id)
            continue
        to = away.get(a.person_id, a.person_id)
        alerts_of.setdefault(to, []).append(a.id)
        why = {"reminder": "reminder", "verify": "verify", "unacknowledged": "unacknowledged"}.get(a.kind, "escalated")
        if why == "unacknowledged":
            unsigned.add((to, a.finding_id))
            if a.finding_id in by_person.get(to, {}):
                continue  # the line the item has already says more; it is marked unsigned below
        # "mine": the recipient owns it (they may ask for more time); else they watch over it.
        by_person.setdefault(to, {})[a.finding_id] = (a.finding_id, why, a.days, item.owner_id == a.person_id,
                                                      a.person_id if to != a.person_id else None)
    del pending
    # Owners hear of their own overdue items every working day, in the same one digest.
    for finding_id, days in run.overdue:
        item = run.items[finding_id]
        if item.owner_id is not None:
            to = away.get(item.owner_id, item.owner_id)
            by_person.setdefault(to, {}).setdefault(
                finding_id, (finding_id, "overdue", days, True, item.owner_id if to != item.owner_id else None))
    day = result.day.isoformat()
    told_today = {k for (k,) in session.execute(select(Notification.dedupe_key).where(
        col(Notification.dedupe_key).like(f"digest:%:{day}")))}
    digests: list[dict[str, Any]] = []
    lines_held = 0
    for person_id, entries in by_person.items():
        person = run.people.get(person_id)
        if person is None or not person.active:
            continue
        key = f"digest:{person_id}:{day}"
        if key in told_today:  # already had today's digest: what is new waits for tomorrow's
            result.deferred += len(alerts_of.get(person_id, []))
            continue
        lines = [{**run.line(run.items[i], why=why, days=days), "mine": mine, "unsigned": (person_id, i) in unsigned,
                  "for": run.people[for_id].name if for_id in run.people else ""}
                 for i, why, days, mine, for_id in entries.values()]
        items = sorted(lines, key=lambda x: (COLOUR_RANK[x["colour"]], x["why"] != "escalated", x["code"]))
        digests.append(outbox_row(dedupe_key=key, recipient_id=person_id, recipient_email=person.email,
                                  template="digest", language=person.language or policy.language,
                                  context={"recipient": person.name, "day": day, "items": items}, now=run.now))
        lines_held += len(items)
        if lines_held >= DIGEST_LINES:
            result.digests += _write_digests(session, digests, alerts_of)
            digests, lines_held = [], 0
            run.checkpoint()
    result.digests += _write_digests(session, digests, alerts_of)
    for ids_ in _chunks(stale):  # alerts of items closed since: never told
        session.execute(update(Alert).where(col(Alert.id).in_(ids_)).values(cancelled=True)
                        .execution_options(synchronize_session=False))
    session.flush()


DIGEST_LINES = 2000  # digests are built and written in batches of about this many lines


def _write_digests(session: Session, digests: list[dict[str, Any]], alerts_of: dict[int, list[int]]) -> int:
    """Rows, not objects, and each alert pointed at its digest in one statement per batch."""
    if not digests:
        return 0
    ids = add_rows(session, digests + messenger_rows(session, digests))
    links = [{"alert": a, "digest": ids[d["dedupe_key"]]} for d in digests  # the mail is the record
             for a in alerts_of.get(d["recipient_id"], [])]
    alerts = Alert.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes, untyped
    # the table, not the class: a plain executemany, not the ORM's bulk path
    for i in range(0, len(links), 1000):
        session.execute(update(alerts).where(alerts.c.id == bindparam("alert"))
                        .values(digest_id=bindparam("digest")), links[i:i + 1000])
    return len(digests)
