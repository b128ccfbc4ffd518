"""Compliance (达标) of each branch, the campaign's yearly target, monthly scores and tiers.
The rule's parameters are a documented file (models/data/compliance.yaml)."""

from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select as select_columns  # more columns than sqlmodel's select types
from sqlmodel import Session, col, select

from messages import RuleError, labels
from models.columns import stored_id
from models.deadlines.calendar import local_day, month_bounds
from models.deadlines.escalation import Escalation
from models.items.finding import Finding, State
from models.people.org import Unit, UnitKind


@dataclass(frozen=True)
class CompliancePolicy:
    campaign_start: date = date(2026, 1, 1)
    targets: tuple[int, ...] = (50, 80, 100)
    window_months: int = 3
    max_findings_per_month: int = 2
    advanced: int = 90
    lagging: int = 60
    # Good examples (典型) named in the notice: see compliance.yaml.
    good_min_days_early: int = 3
    good_min_account_chars: int = 30
    good_min_files: int = 1
    good_max: int = 3

    def target(self, year: int, month: int) -> int:
        """The target for a month: by campaign year, the last one holding from then on."""
        months = (year - self.campaign_start.year) * 12 + month - self.campaign_start.month
        return self.targets[min(max(months, 0) // 12, len(self.targets) - 1)]

    def tier(self, score: int) -> str:
        return "advanced" if score >= self.advanced else "lagging" if score < self.lagging else "middle"


def default_compliance_path() -> Path:
    return Path(str(resources.files("models") / "data" / "compliance.yaml"))


def parse_compliance_policy(raw: Any, *, source: str) -> CompliancePolicy:
    """The compliance file's data (read by store/yaml_file.py), checked; errors name the file."""
    try:
        start = str(raw["campaign_start"])
        targets = tuple(int(t) for t in raw["targets"])
        good = {f"good_{k}": int(v) for k, v in (raw.get("good_examples") or {}).items()}
        if unknown := [k[5:] for k in good if k not in CompliancePolicy.__dataclass_fields__]:
            raise ValueError(f"good_examples: unknown key {unknown[0]}")
        if not targets or any(not 0 <= t <= 100 for t in targets):
            raise ValueError("targets must be percentages")
        return CompliancePolicy(
            campaign_start=date(int(start[:4]), int(start[5:7]), 1), targets=targets,
            window_months=int(raw["window_months"]), max_findings_per_month=int(raw["max_findings_per_month"]),
            advanced=int(raw["tiers"]["advanced"]), lagging=int(raw["tiers"]["lagging"]), **good)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RuleError("bad_file", field=source, detail=str(exc).splitlines()[0]) from None


@dataclass
class BranchMonth:
    unit: str
    name: str
    compliant: bool
    reasons: list[str] = field(default_factory=list)
    score: int = 100
    tier: str = "advanced"
    figures: dict[str, int] = field(default_factory=dict)


@dataclass
class MonthCompliance:
    month: str
    target: int
    rate: float  # percent of branches compliant
    met: bool
    branches: list[BranchMonth]

    def as_json(self) -> dict[str, Any]:
        return {"month": self.month, "target": self.target, "rate": round(self.rate, 1), "met": self.met,
                "branches": [b.__dict__ for b in self.branches]}


class _Row(NamedTuple):
    code: str
    unit_id: int
    open: bool
    filed_at: datetime
    closed_at: datetime | None
    filed: date  # local days
    closed: date | None
    due_on: date | None
    red: date | None  # the day it reached red
    recurrence: bool
    part: bool = False  # 分解: a sub-item, late or red against its own unit but never counted as found


@dataclass
class ComplianceRows:
    """The rows the rules read for every month from `first` to `last`, read once (the notice's
    trend asks for twelve months) with each instant turned into a local day once."""

    first: date
    last: date
    rows: list[_Row]
    branches: list[Unit]


def compliance_rows(session: Session, *, first: tuple[int, int], last: tuple[int, int], policy: CompliancePolicy,
                    timezone: str) -> ComplianceRows:
    tz = ZoneInfo(timezone)
    start, _, _, _ = month_bounds(*first, tz)
    _, hi, _, month_end = month_bounds(*last, tz)
    window_start = start - relativedelta(months=policy.window_months - 1)
    window_from = datetime(window_start.year, window_start.month, 1, tzinfo=tz)
    # Only items that can matter for a window: filed by its end, and due, closed or open in it.
    # The columns, as rows: ORM objects for a busy year were most of the time.
    findings = session.execute(select_columns(
        col(Finding.id), col(Finding.code), col(Finding.unit_id),
        col(Finding.state), col(Finding.filed_at), col(Finding.closed_at),
        col(Finding.due_on), col(Finding.recurrence_of_id),
        col(Finding.parent_id)).where(
        col(Finding.state) != State.withdrawn, col(Finding.filed_at) < month_end,
        (col(Finding.due_on) >= window_start) | (col(Finding.closed_at) >= window_from)
        | col(Finding.state).in_([State.filed, State.assigned, State.submitted]))).all()
    reds = {finding_id: local_day(at, tz) for finding_id, at in session.execute(
        select(Escalation.finding_id, Escalation.at).where(col(Escalation.level) == 3))}
    rows = [_Row(f.code, f.unit_id, f.state.is_open, f.filed_at, f.closed_at, local_day(f.filed_at, tz) or hi,
                 local_day(f.closed_at, tz), f.due_on, reds.get(f.id), bool(f.recurrence_of_id),
                 f.parent_id is not None) for f in findings]
    branches = list(session.exec(select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code))))
    return ComplianceRows(start, hi, rows, branches)


def month_compliance(session: Session, *, year: int, month: int, policy: CompliancePolicy,
                     timezone: str = "Asia/Shanghai", rows: ComplianceRows | None = None,
                     language: str = "zh") -> MonthCompliance:
    """`rows`: read beforehand for a span of months that holds this one (else read here);
    `language`: the words of each branch's reasons."""
    tz = ZoneInfo(timezone)
    first, end, _, month_end = month_bounds(year, month, tz)  # end: the month's last day
    if rows is None or not rows.first <= first <= rows.last:
        rows = compliance_rows(session, first=(year, month), last=(year, month), policy=policy, timezone=timezone)
    window_start = first - relativedelta(months=policy.window_months - 1)
    window_from = datetime(window_start.year, window_start.month, 1, tzinfo=tz)
    branches = rows.branches
    by_unit: dict[int, list[_Row]] = {}
    for f in rows.rows:  # the same filter as compliance_rows' query, for this month's window
        if f.filed_at < month_end and (f.open or (f.due_on is not None and f.due_on >= window_start)
                                       or (f.closed_at is not None and f.closed_at >= window_from)):
            by_unit.setdefault(f.unit_id, []).append(f)
    results = []

    def why(key: str, **fields: object) -> str:
        return labels.label(labels.NOT_COMPLIANT, key, language).format(**fields)

    for unit in branches:
        mine = by_unit.get(stored_id(unit), [])
        reasons: list[str] = []
        filed_in = [f for f in mine if window_start <= f.filed <= end and not f.part]
        for f in mine:
            if f.due_on and window_start <= f.due_on <= end:
                if (f.closed is None and f.due_on < end) or (f.closed is not None and f.closed > f.due_on):
                    reasons.append(why("late", code=f.code))
            if f.red and window_start <= f.red <= end:
                reasons.append(why("red", code=f.code))
        reasons += [why("recurrence", code=f.code) for f in filed_in if f.recurrence]
        per_month: dict[tuple[int, int], int] = {}
        for f in filed_in:
            per_month[(f.filed.year, f.filed.month)] = per_month.get((f.filed.year, f.filed.month), 0) + 1
        reasons += [why("too_many", month=f"{y}-{m:02d}", n=n, most=policy.max_findings_per_month)
                    for (y, m), n in sorted(per_month.items()) if n > policy.max_findings_per_month]
        # The month's own figures, for the score.
        this_month = [f for f in mine if first <= f.filed <= end and not f.part]
        figures = {
            "found": len(this_month),
            "overdue": sum(1 for f in mine if f.due_on and f.due_on < end and f.open and f.filed <= end),
            "closed_late": sum(1 for f in mine if f.closed and first <= f.closed <= end
                               and f.due_on and f.closed > f.due_on),
            "red": sum(1 for f in mine if f.red and first <= f.red <= end),
            "recurrences": sum(1 for f in this_month if f.recurrence),
        }
        score = 100 - 10 * figures["overdue"] - 5 * figures["closed_late"] - 20 * figures["red"] \
            - 10 * figures["recurrences"] - 2 * figures["found"]
        score = max(0, min(100, score))
        results.append(BranchMonth(unit.code, unit.name, not reasons, reasons, score, policy.tier(score), figures))
    rate = 100.0 * sum(b.compliant for b in results) / len(results) if results else 0.0
    target = policy.target(year, month)
    return MonthCompliance(f"{year:04d}-{month:02d}", target, rate, rate >= target, results)
