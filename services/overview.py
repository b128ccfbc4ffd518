"""The overview a supervisor reads at a glance (Prefect's `overview` artifact and the portal's
dashboard): open items by colour per branch as the ledger stands now, this month's found /
closed / overdue, and each branch's compliance against the year's target, with a 12-month
trend for the dashboard."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import col, select

from messages.labels import COLOURS
from models.deadlines.calendar import local_time
from models.items.finding import Finding, State
from models.notices.figures import MonthFigures, TrendPoint, month_figures
from models.people.org import Unit, UnitKind
from services import context as ctx
from services.rulebook import load_compliance_policy
from store.db import reading


@dataclass
class BranchStand:
    unit: str
    name: str
    open: int = 0
    colours: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLOURS, 0))  # open items by colour
    found: int = 0  # this month
    closed: int = 0
    overdue: int = 0
    score: int = 100  # compliance score this month
    compliant: bool = True


@dataclass
class Overview:
    at: datetime
    timezone: str
    month: str
    found: int
    closed: int
    overdue: int
    open: int
    unacknowledged: int  # open items their owner has not signed for (签收)
    colours: dict[str, int]
    branches: list[BranchStand]
    compliance_rate: float
    target: int
    target_met: bool
    trend: list[TrendPoint]

    @property
    def local_at(self) -> str:
        return local_time(self.at, self.timezone)


def overview(*, now: datetime, trend_months: int = 12) -> Overview:
    """The overview as the ledger stands at `now` (trend_months=1 skips the history: the
    artifact, refreshed on every pass, needs only this month)."""
    settings = ctx.settings()
    tz = ZoneInfo(settings.timezone)
    local = now.astimezone(tz)
    deadlines = ctx.deadlines(settings)
    colour_of = {lv.level: lv.colour for lv in deadlines.levels}
    with reading(ctx.database()) as session:
        figures: MonthFigures = month_figures(
            session, year=local.year, month=local.month, now=now,
            compliance=load_compliance_policy(settings.compliance_file), deadlines=deadlines,
            timezone=settings.timezone, trend_months=trend_months)
        branches = {u.id: BranchStand(u.code, u.name) for u in session.exec(
            select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code)))}
        by_level = session.exec(select(Finding.unit_id, Finding.escalation_level, func.count()).where(
            col(Finding.state).in_([s for s in State if s.is_open]))
            .group_by(col(col(Finding.unit_id)), col(Finding.escalation_level))).all()
    colours = dict.fromkeys(COLOURS, 0)
    total_open = 0
    for unit_id, level, n in by_level:
        total_open += n
        colour = colour_of.get(level, "")
        if colour in colours:
            colours[colour] += n
        row = branches.get(unit_id)
        if row is not None:
            row.open += n
            if colour in row.colours:
                row.colours[colour] += n
    month_rows = {b.unit: b for b in figures.branches}
    for row in branches.values():
        m = month_rows.get(row.unit)
        if m is not None:
            row.found, row.closed, row.overdue, row.score, row.compliant = (
                m.found, m.closed, m.overdue, m.score, m.compliant)
    return Overview(
        at=now, timezone=settings.timezone, month=figures.month, found=figures.totals["found"],
        closed=figures.totals["closed"], overdue=figures.totals["overdue"], open=total_open,
        unacknowledged=figures.totals["unacknowledged"], colours=colours,
        branches=list(branches.values()), compliance_rate=figures.compliance_rate, target=figures.target,
        target_met=figures.target_met, trend=figures.trend)
