"""The scheduled jobs' bodies, each written once: the flow runs it (as a task, so the
Prefect UI shows it, with its artifacts); the CLI runs the flow when Prefect answers, and
the same body directly when it does not. Each commits its decisions (the sweep a chunk at
a time), then delivers the mail they queued."""

import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from models.deadlines.calendar import WorkCalendar, local_date, month_bounds
from models.deadlines.dates import bureau_moment
from models.deadlines.sweep import Overdue, sweep
from models.notices.notice import NoticeSummary, notice_for
from models.rounds.round import Round, RoundStatus, close_round, first_working_day, open_round, teams_of
from notifications.delivery import DeliveryReport
from services import context as ctx
from services.mail import deliver_due
from store.db import one_at_a_time, transaction

# SQLite's waiting writers poll (every 100 ms once they have waited a while): a sweep that
# took the lock again at once after each chunk kept a portal submit waiting for seconds.
YIELD_SECONDS = 0.1
SWEEP_LOCK = 727_000_002  # two sweeps of one day (two workers, two services) serialise


@dataclass(frozen=True)
class SweepReport:
    """What a sweep did for its day: counts, the items that went up a level, the overdue ones,
    and (once sent) how the digests' delivery went."""

    day: date
    workday: bool
    reminders: int = 0
    escalations: int = 0
    overdue: int = 0
    verify: int = 0
    unacknowledged: int = 0  # owners and secretaries told of an item not signed for (签收)
    digests: int = 0
    deferred: int = 0
    escalated: tuple[str, ...] = ()  # codes that went up a level
    overdue_items: tuple[Overdue, ...] = ()
    mail: DeliveryReport | None = None


def job_moment(typed: datetime | None) -> datetime:
    """The moment a job acts for, as it entered (a run form in the Prefect UI, the CLI): one
    without a zone is the bureau's wall clock; within the due window of now either side;
    none given: now."""
    if typed is None:
        return ctx.now()
    settings = ctx.settings()
    return bureau_moment(typed, zone=settings.timezone, now=ctx.now(), window_days=settings.due_window_days,
                         field="now")


def decide_sweep(at: datetime) -> SweepReport:
    """Reminders, escalations and one digest per person for the moment `at`, decided and
    queued (nothing is sent yet), committed a chunk at a time."""
    settings = ctx.settings()
    with transaction(ctx.database()) as session:
        sqlite = session.get_bind().dialect.name == "sqlite"

        def checkpoint() -> None:  # commit each chunk: the portal never waits for a whole sweep
            session.commit()
            if sqlite:  # one writer at a time: give one waiting (a submit, a sign-in) its turn
                time.sleep(YIELD_SECONDS)
            one_at_a_time(session, SWEEP_LOCK)

        one_at_a_time(session, SWEEP_LOCK)  # a second sweep for the day waits chunk by chunk
        result = sweep(session, now=at, policy=ctx.policy(settings),
                       deadlines=ctx.deadlines(settings), checkpoint=checkpoint)
    return SweepReport(result.day, result.workday, result.reminders, len(result.escalations), len(result.overdue),
                       result.verify, result.unacknowledged, result.digests, result.deferred,
                       escalated=tuple(sorted({code for code, _ in result.escalations})),
                       overdue_items=tuple(result.overdue))


def sweep_day(at: datetime) -> SweepReport:
    """The deadline sweep of a moment: decided, then the digests sent."""
    report = decide_sweep(at)
    return replace(report, mail=deliver_due(at=at)) if report.workday else report


@dataclass(frozen=True)
class RoundOpening:
    month: str
    opened: bool
    closes_on: date | None = None
    teams: dict[str, list[str]] = field(default_factory=dict)  # unit code -> its inspectors' emails
    reason: str = ""  # why it was not opened
    mail: DeliveryReport | None = None


def open_month_round(at: datetime, month: str = "", team: int = 0) -> RoundOpening:
    """Open `month` (default: this month, but only on its first working day), assign its
    teams, and mail each inspector their checklist."""
    opening = decide_round(at, month, team)
    return opening if opening.reason else replace(opening, mail=deliver_due(at=at))


def decide_round(at: datetime, month: str = "", team: int = 0) -> RoundOpening:
    """The round opened in the ledger (once) with its teams, each inspector's checklist mail
    queued, nothing sent yet; or why it is not opened today."""
    settings = ctx.settings()
    with transaction(ctx.database()) as session:
        today = local_date(at, settings.timezone)
        if not month:
            first = first_working_day(WorkCalendar.from_session(session), today.year, today.month)
            if today != first:
                return RoundOpening(f"{today:%Y-%m}", False, reason=f"first working day is {first}")
            month = f"{today:%Y-%m}"
        rnd, new = open_round(session, month=month, now=at, policy=ctx.policy(settings),
                              team=team or settings.round_team_size, close_day=settings.round_close_day)
        return RoundOpening(rnd.month, new, rnd.closes_on, teams_of(session, rnd))


def close_month_round(month: str) -> tuple[str, int]:
    """Close the month's round by hand (the notice's scheduled run closes it otherwise).
    Returns the month and how many units it inspected."""
    with transaction(ctx.database()) as session:
        rnd = close_round(session, month=month, now=ctx.now())
        return rnd.month, len(teams_of(session, rnd))


@dataclass(frozen=True)
class NoticeDue:
    due: bool
    month: str
    reason: str
    publish: bool = False


def notice_due(at: datetime) -> NoticeDue:
    """Whether the scheduled notice run acts today (a working day). Once a month has ended:
    its round closed (if still open) and its notice built again as of the month's end,
    published when notices publish themselves; the draft it had was as of an earlier moment.
    Within a month, after its round closed: a draft, never published (the month runs on)."""
    settings = ctx.settings()
    with transaction(ctx.database()) as session:
        today = local_date(at, settings.timezone)
        if not WorkCalendar.from_session(session).is_workday(today):
            return NoticeDue(False, f"{today:%Y-%m}", f"{today} is not a working day")
        ended = today.replace(day=1) - timedelta(days=1)
        last = f"{ended:%Y-%m}"
        rnd = session.exec(select(Round).where(col(Round.month) == last)).first()
        notice = notice_for(session, last)
        if rnd is not None or notice is not None:  # a month the bureau worked in
            if rnd is not None and rnd.status is RoundStatus.open:
                close_round(session, month=last, now=at)
            final = notice is not None and notice.built_at >= month_end(last, settings.timezone)
            state = notice.status.value if notice else "none"
            if state != "published" and (not final or settings.notice_auto_publish):
                return NoticeDue(True, last, f"{last} has ended; notice is {state}", settings.notice_auto_publish)
        month = f"{today:%Y-%m}"
        rnd = session.exec(select(Round).where(col(Round.month) == month)).first()
        closes_on = rnd.closes_on if rnd else date(today.year, today.month, min(settings.round_close_day, 28))
        if today <= closes_on:
            return NoticeDue(False, month, f"round closes on {closes_on}; today is {today}")
        if rnd is not None and rnd.status is RoundStatus.open:
            close_round(session, month=month, now=at)
        notice = notice_for(session, month)
        state = notice.status.value if notice else "none"
        return NoticeDue(state == "none", month, f"notice is {state} (a draft until the month ends)")


def month_end(month: str, timezone: str) -> datetime:
    year, mon = (int(part) for part in month.split("-"))
    return month_bounds(year, mon, ZoneInfo(timezone))[3]


@dataclass(frozen=True)
class BuiltNotice:
    notice: NoticeSummary
    mail: DeliveryReport | None = None  # published: how its mail went


def notice_month(month: str, at: datetime, *, publish: bool, publisher: str) -> BuiltNotice:
    """Build the month's notice (replacing its draft); publishing freezes it and mails it."""
    from services.notices import build_notice, publish_notice

    summary = build_notice(month, at)
    if not publish:
        return BuiltNotice(summary)
    published = publish_notice(summary.month, at, publisher or "system")
    return BuiltNotice(published, deliver_due(at=at))
