"""The month's figures for the notice (通报), read from the ledger as of the month's end.

Definitions (the notice states them in its text, so a reader can recount by hand):
- found: findings filed in the month (withdrawn ones are mistakes and never count);
- closed: items closed (销号) in the month; on time: closed on or before the due date in
  force (an approved extension or a return with a new date moves it);
- overdue: open at the month's end (or now, for the current month) and past due;
- blue / yellow / red: items open at the month's end by the highest escalation level
  reached on their current deadline;
- red items are named: every item that reached level 3 in the month or was still red at
  its end;
- extensions: extensions approved in the month; recurrences (反弹): findings filed in the
  month that repeat an earlier one;
- good examples (典型): see `CompliancePolicy.good_*` in models/data/compliance.yaml.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_
from sqlalchemy import select as select_columns  # more columns than sqlmodel's select types
from sqlmodel import Session, col, select

from messages.labels import zone_name
from models.columns import stored_id
from models.deadlines.calendar import WorkCalendar, local_day, month_bounds
from models.deadlines.escalation import DeadlinePolicy, Escalation
from models.items.evidence import Decision, Evidence, EvidenceFile, Review
from models.items.extension import Extension, ExtensionStatus
from models.items.finding import Finding, State
from models.notices.compliance import CompliancePolicy, ComplianceRows, compliance_rows, month_compliance
from models.people.absence import Absence
from models.people.org import Person, Unit, UnitKind

COUNTS = ("found", "closed", "closed_on_time", "overdue", "level1", "level2", "level3", "extensions", "recurrences",
          "unacknowledged")


@dataclass
class BranchRow:
    unit: str
    name: str
    found: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    level1: int = 0
    level2: int = 0
    level3: int = 0
    extensions: int = 0
    recurrences: int = 0
    unacknowledged: int = 0  # open at the cutoff, handed to an owner who had not signed for it (签收)
    compliant: bool = True
    score: int = 100
    tier: str = "advanced"
    colour: str = "green"  # the worst colour among its items open at the month's end


@dataclass
class NamedItem:
    code: str
    unit: str
    title: str
    owner: str
    due_on: str
    detail: str = ""  # for red items: when red was reached; for good examples: how early


@dataclass
class TrendPoint:
    month: str
    found: int
    closed: int
    rate: float | None  # compliance, percent of branches; None before the campaign began
    target: int


@dataclass
class MonthFigures:
    month: str
    as_of: str  # the day the figures stand at
    totals: dict[str, int]
    branches: list[BranchRow]
    red_items: list[NamedItem]
    good_examples: list[NamedItem]
    compliance_rate: float
    target: int
    target_met: bool
    trend: list[TrendPoint] = field(default_factory=list)
    # 分解: sub-items are not counted (their parent is, once); the late ones are listed
    # against their own units (detail: the parent's code).
    late_parts: list[NamedItem] = field(default_factory=list)
    # 委托: who stood in for whom this month (person, delegate, first day, last day).
    absences: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The moment every figure stands at, as people read it (the month's end, or the build's
    # moment for a month still running); and each item open then, with the escalation level it
    # had then, so the ledger mailed with the notice shows the same moment.
    cutoff: str = ""
    open_at_cutoff: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def month_figures(session: Session, *, year: int, month: int, now: datetime, compliance: CompliancePolicy,
                  deadlines: DeadlinePolicy, timezone: str = "Asia/Shanghai", trend_months: int = 12) -> MonthFigures:
    tz = ZoneInfo(timezone)
    first, last, start, end = month_bounds(year, month, tz)
    cutoff = min(end, now)  # a month still running stands at `now`
    as_of = min(last, now.astimezone(tz).date())

    def open_at_cutoff(f: Any) -> bool:  # a row of the select below
        return f.filed_at < cutoff and (f.closed_at is None or f.closed_at >= cutoff)

    # The columns the figures read, as rows: ORM objects for a busy month were a third of the time.
    findings = session.execute(select_columns(
        col(Finding.id), col(Finding.code), col(Finding.title),
        col(Finding.unit_id), col(Finding.owner_id), col(Finding.filed_at),
        col(Finding.closed_at), col(Finding.due_on),
        col(Finding.recurrence_of_id), col(Finding.assigned_at),
        col(Finding.acknowledged_at), col(Finding.parent_id)).where(
        col(Finding.state) != State.withdrawn, col(Finding.filed_at) < cutoff,
        or_(col(Finding.filed_at) >= start, col(Finding.closed_at) >= start, col(Finding.closed_at).is_(None)))).all()
    branches = {u.id: BranchRow(u.code, u.name) for u in session.exec(
        select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code)))}
    units = {stored_id(u): u for u in session.exec(select(Unit))}
    people = {stored_id(p): p.name for p in session.exec(select(Person))}

    # The highest level each item reached on its current deadline, and when red came.
    levels: dict[int, int] = {}
    red_on: dict[int, date] = {}
    due_of = {f.id: f.due_on for f in findings}
    for esc in session.exec(select(Escalation).where(col(Escalation.at) < cutoff)):
        if esc.finding_id in due_of:
            if esc.due_on == due_of[esc.finding_id]:
                levels[esc.finding_id] = max(levels.get(esc.finding_id, 0), esc.level)
            if esc.level == 3:
                red_on[esc.finding_id] = max(red_on.get(esc.finding_id, date.min), local_day(esc.at, tz) or first)
    approved: defaultdict[int, int] = defaultdict(int)
    for ext in session.exec(select(Extension).where(
            col(Extension.status) == ExtensionStatus.approved, col(Extension.decided_at) >= start,
            col(Extension.decided_at) < cutoff)):
        approved[ext.finding_id] += 1

    rank = {"": 0, **{lv.colour: lv.level for lv in deadlines.levels}}
    totals = dict.fromkeys(COUNTS, 0)
    red_items: list[NamedItem] = []
    closed_here: list[Any] = []

    def count(f: Any, key: str) -> None:
        totals[key] += 1
        if f.unit_id in branches:
            setattr(branches[f.unit_id], key, getattr(branches[f.unit_id], key) + 1)

    codes = {f.id: f.code for f in findings}
    late_parts: list[NamedItem] = []
    open_then: dict[str, int] = {}
    for f in findings:
        filed, closed = local_day(f.filed_at, tz), local_day(f.closed_at, tz)
        if open_at_cutoff(f):
            open_then[f.code] = levels.get(f.id, 0)
        if f.parent_id is not None:  # a sub-item: listed when late, never counted
            late_open = open_at_cutoff(f) and f.due_on and f.due_on < as_of
            late_closed = closed and first <= closed <= last and f.due_on and closed > f.due_on
            if late_open or late_closed:
                late_parts.append(NamedItem(f.code, units[f.unit_id].name, f.title, people.get(f.owner_id, "—"),
                                            str(f.due_on or ""), codes.get(f.parent_id, "")))
            continue
        if filed and first <= filed:
            count(f, "found")
            if f.recurrence_of_id:
                count(f, "recurrences")
        if closed and first <= closed <= last and f.closed_at < cutoff:
            count(f, "closed")
            closed_here.append(f)
            if f.due_on is None or closed <= f.due_on:
                count(f, "closed_on_time")
        if approved.get(f.id):
            totals["extensions"] += approved[f.id]
            if f.unit_id in branches:
                branches[f.unit_id].extensions += approved[f.id]
        if open_at_cutoff(f):
            if f.due_on and f.due_on < as_of:
                count(f, "overdue")
            if f.assigned_at is not None and f.assigned_at < cutoff and (
                    f.acknowledged_at is None or f.acknowledged_at >= cutoff):
                count(f, "unacknowledged")
            level = levels.get(f.id, 0)
            if level:
                count(f, f"level{level}")
                row = branches.get(f.unit_id)
                colour = deadlines.colour(level)
                if row and rank.get(colour, 0) > rank.get(row.colour, 0):
                    row.colour = colour
        red = red_on.get(f.id)
        if red and (first <= red or (open_at_cutoff(f) and levels.get(f.id) == 3)):
            red_items.append(NamedItem(f.code, units[f.unit_id].name, f.title, people.get(f.owner_id, "—"),
                                       str(f.due_on or ""), red.isoformat()))

    # The compliance rules' rows for the whole trend, read once for its twelve months.
    span_first = date(year, month, 1) - relativedelta(months=trend_months - 1)
    rows = compliance_rows(session, first=(span_first.year, span_first.month), last=(year, month),
                           policy=compliance, timezone=timezone)
    result = month_compliance(session, year=year, month=month, policy=compliance, timezone=timezone, rows=rows)
    for b in result.branches:
        row = next(r for r in branches.values() if r.unit == b.unit)
        row.compliant, row.score, row.tier = b.compliant, b.score, b.tier
    goods = good_examples(session, closed_here, policy=compliance, units=units, people=people, tz=tz)
    figures = MonthFigures(
        month=f"{year:04d}-{month:02d}", as_of=as_of.isoformat(), totals=totals, branches=list(branches.values()),
        red_items=sorted(red_items, key=lambda i: i.code), good_examples=goods,
        compliance_rate=round(result.rate, 1), target=result.target, target_met=result.met)
    figures.late_parts = sorted(late_parts, key=lambda i: (i.unit, i.code))
    figures.cutoff = f"{cutoff.astimezone(tz):%Y-%m-%d %H:%M} {zone_name(timezone)}"
    figures.open_at_cutoff = open_then
    figures.absences = [(people.get(a.person_id, ""), people.get(a.delegate_id, ""), a.first_day.isoformat(),
                         (min(a.last_day, local_day(a.ended_at, tz) or a.last_day)).isoformat())
                        for a in session.exec(select(Absence).where(col(Absence.starts_at) < cutoff,
                                                                    col(Absence.ends_at) > start)
                                              .order_by(col(Absence.starts_at)))
                        if a.ended_at is None or a.ended_at > start]
    figures.trend = trend(session, year=year, month=month, months=trend_months, now=now,
                          compliance=compliance, timezone=timezone, this=figures, rows=rows)
    return figures


def good_examples(session: Session, closed: list[Any], *, policy: CompliancePolicy,
                  units: dict[int, Unit], people: dict[int, str], tz: ZoneInfo) -> list[NamedItem]:
    """Items closed early on strong evidence, by rule: accepted at the first submission,
    never extended, closed at least `good_min_days_early` working days before due, the
    closing evidence with a written account of `good_min_account_chars` characters and at
    least `good_min_files` files. Earliest first; at most `good_max`."""
    if not closed:
        return []
    ids = [f.id for f in closed]
    returned = set(session.exec(select(Review.finding_id).where(
        col(Review.finding_id).in_(ids), col(Review.decision) == Decision.return_)))
    extended = set(session.exec(select(Extension.finding_id).where(
        col(Extension.finding_id).in_(ids), col(Extension.status) == ExtensionStatus.approved)))
    last_evidence: dict[int, Evidence] = {}
    for ev in session.exec(select(Evidence).where(col(Evidence.finding_id).in_(ids)).order_by(col(Evidence.id))):
        last_evidence[ev.finding_id] = ev
    files = dict(session.exec(select(EvidenceFile.evidence_id, func.count()).where(
        col(EvidenceFile.evidence_id).in_([e.id for e in last_evidence.values()]))
        .group_by(col(EvidenceFile.evidence_id))).all())
    calendar = WorkCalendar.from_session(session)
    chosen: list[tuple[int, int, NamedItem]] = []
    for f in closed:
        latest = last_evidence.get(f.id)
        closed_on = f.closed_at.astimezone(tz).date() if f.closed_at else None
        if (f.id in returned or f.id in extended or latest is None or f.due_on is None or closed_on is None
                or len(latest.account.strip()) < policy.good_min_account_chars
                or files.get(stored_id(latest), 0) < policy.good_min_files):
            continue
        early = calendar.working_days_between(closed_on, f.due_on)
        if early >= policy.good_min_days_early:
            chosen.append((early, files.get(stored_id(latest), 0), NamedItem(
                f.code, units[f.unit_id].name, f.title, people.get(f.owner_id, "—"), str(f.due_on),
                f"提前 {early} 个工作日销号，佐证材料 {files.get(stored_id(latest), 0)} 件")))
    chosen.sort(key=lambda c: (-c[0], -c[1], c[2].code))
    return [item for _, _, item in chosen[:policy.good_max]]


def trend(session: Session, *, year: int, month: int, months: int, now: datetime, compliance: CompliancePolicy,
          timezone: str, this: MonthFigures, rows: ComplianceRows | None = None) -> list[TrendPoint]:
    """Found, closed and the compliance rate for the `months` months ending with this one. A
    month before the campaign began, or before the bureau's first finding, has no rate (no
    data, not 100 %: nobody had been inspected)."""
    tz = ZoneInfo(timezone)
    first_filed = session.exec(select(func.min(Finding.filed_at))).one()
    began = max(compliance.campaign_start, first_filed.astimezone(tz).date().replace(day=1)) \
        if first_filed else None
    first = date(year, month, 1) - relativedelta(months=months - 1)
    start = datetime(first.year, first.month, 1, tzinfo=tz)
    found: dict[str, int] = defaultdict(int)
    closed: dict[str, int] = defaultdict(int)
    instants = session.exec(select(Finding.filed_at, Finding.closed_at).where(
        col(Finding.state) != State.withdrawn, or_(col(Finding.filed_at) >= start, col(Finding.closed_at) >= start)))
    for filed_at, closed_at in instants:
        found[f"{filed_at.astimezone(tz):%Y-%m}"] += 1
        if closed_at is not None:
            closed[f"{closed_at.astimezone(tz):%Y-%m}"] += 1
    points = []
    for i in range(months):
        d = first + relativedelta(months=i)
        key = f"{d:%Y-%m}"
        if key == this.month:
            points.append(TrendPoint(key, this.totals["found"], this.totals["closed"], this.compliance_rate,
                                     this.target))
            continue
        rate: float | None = None
        if began and d >= began:
            rate = round(month_compliance(session, year=d.year, month=d.month, policy=compliance,
                                          timezone=timezone, rows=rows).rate, 1)
        points.append(TrendPoint(key, found.get(key, 0), closed.get(key, 0), rate, compliance.target(d.year, d.month)))
    return points
