"""Read views of the ledger (整改台账): one item in full, or every item in a row."""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, inspect
from sqlmodel import Session, col, select

from models.audit.chain import Event
from models.catalogue import Manifestation
from models.columns import stored_id
from models.deadlines.calendar import WorkCalendar, local_date, local_time, month_bounds
from models.items.finding import CLASS_LABELS, STATE_LABELS, Finding, State
from models.outbox import mail_trouble
from models.people.org import Person, Unit
from models.policy import Policy


@dataclass
class ItemView:
    code: str
    state: State
    state_label: str
    unit_code: str
    unit: str
    manifestation_id: str
    manifestation: str
    title: str
    detail: str
    deadline_class: str
    deadline_class_label: str
    owner: str | None
    owner_email: str | None
    filed_at: datetime
    acknowledged_at: datetime | None  # 签收: when the current owner signed for it
    acknowledged: str  # the same in the bureau's time zone ("" when not yet), as the ledger and notice print it
    due_on: date | None
    original_due_on: date | None
    due_provisional: bool
    # Working days until due (>0), 0 on the day, <0 overdue; None when closed/unassigned.
    working_days_left: int | None
    overdue: bool
    escalation_level: int
    colour: str
    flow_run_id: str | None
    run_note: str
    recurrence_of: str | None = None  # 反弹: the earlier item's code
    parent: str | None = None  # 分解: the code of the item this one was split from
    extensions: int = 0  # approved, counted apart (延期)
    pending_extension_to: date | None = None
    mail_waiting: int = 0  # tried, not yet accepted by the relay (it is retried)
    mail_failed: int = 0  # refused for good: `rectiflow mail list` / `mail retry`
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def stage(self) -> str:
        """A key of messages.labels.STAGES: the state, an open item split by whose move it is."""
        if self.state is State.assigned:
            return "extension" if self.pending_extension_to else "rectifying"
        return {State.submitted: "verifying"}.get(self.state, self.state.value)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name, value in data.items():
            if isinstance(value, date | datetime):
                data[name] = value.isoformat()
        for ev in data["events"]:
            ev["at"] = ev["at"].isoformat()
        return data


# An item as a Finding, or as its columns in a row (the ledger's bulk read: ORM objects cost more).
FindingRow = Finding | Row[Any]


def _view(finding: FindingRow, unit: Unit, man: Manifestation, owner: Person | None,
          calendar: WorkCalendar, today: date, lang: int, colours: dict[int, str], timezone: str) -> ItemView:
    left = None
    if finding.due_on is not None and finding.state.is_open:
        left = calendar.working_days_between(today, finding.due_on)
        if finding.due_on < today and left == 0:
            left = -1  # overdue across a holiday still counts as late
    return ItemView(
        code=finding.code, state=finding.state,
        state_label=STATE_LABELS[finding.state][lang], unit_code=unit.code, unit=unit.name,
        manifestation_id=man.id, manifestation=man.title_zh if lang == 0 else man.title_en,
        title=finding.title, detail=finding.detail,
        deadline_class=finding.deadline_class.value,
        deadline_class_label=CLASS_LABELS[finding.deadline_class][lang],
        owner=owner.name if owner else None, owner_email=owner.email if owner else None,
        filed_at=finding.filed_at, acknowledged_at=finding.acknowledged_at,
        acknowledged=local_time(finding.acknowledged_at, timezone) if finding.acknowledged_at else "",
        due_on=finding.due_on,
        original_due_on=finding.original_due_on, due_provisional=finding.due_provisional,
        working_days_left=left,
        overdue=bool(finding.state.is_open and finding.due_on and finding.due_on < today),
        escalation_level=finding.escalation_level,
        colour=colours.get(finding.escalation_level, ""),
        flow_run_id=finding.flow_run_id, run_note=finding.run_note,
    )


def _extensions(session: Session, finding_ids: list[int]) -> dict[int, tuple[int, date | None]]:
    from models.items.extension import Extension, ExtensionStatus

    out: dict[int, tuple[int, date | None]] = {}
    if not finding_ids:
        return out
    for ext in session.exec(select(Extension).where(col(Extension.finding_id).in_(finding_ids))):
        approved, pending = out.get(ext.finding_id, (0, None))
        if ext.status is ExtensionStatus.approved:
            approved += 1
        elif ext.status is ExtensionStatus.pending:
            pending = ext.to_due
        out[ext.finding_id] = (approved, pending)
    return out


def item_view(session: Session, finding: Finding, *, now: datetime, policy: Policy,
              with_events: bool = True) -> ItemView:
    unit = session.get(Unit, finding.unit_id)
    man = session.get(Manifestation, finding.manifestation_id)
    owner = session.get(Person, finding.owner_id) if finding.owner_id else None
    assert unit is not None and man is not None
    view = _view(finding, unit, man, owner, WorkCalendar.from_session(session),
                 local_date(now, policy.timezone), 0 if policy.language == "zh" else 1, policy.level_colours,
                 policy.timezone)
    finding_id = stored_id(finding)
    view.extensions, view.pending_extension_to = _extensions(session, [finding_id]).get(finding_id, (0, None))
    view.mail_waiting, view.mail_failed = mail_trouble(session, {finding_id: finding.code}).get(finding_id, (0, 0))
    if finding.recurrence_of_id is not None:
        earlier = session.get(Finding, finding.recurrence_of_id)
        view.recurrence_of = earlier.code if earlier else None
    if finding.parent_id is not None:
        parent = session.get(Finding, finding.parent_id)
        view.parent = parent.code if parent else None
    if with_events:
        events = session.exec(select(Event).where(col(Event.finding_id) == finding.id)
                              .order_by(col(Event.seq))).all()
        view.events = [{"seq": e.seq, "at": e.at, "actor": e.actor, "kind": e.kind,
                        "data": dict(e.data)} for e in events]
    return view


@dataclass(frozen=True)
class LedgerQuery:
    """Which items a list shows; every filter is applied by the database. A value that can
    match nothing (an unknown state, colour or month) shows nothing."""

    unit: str = ""  # unit code
    colour: str = ""  # blue / yellow / red, or "none"
    state: str = ""
    month: str = ""  # YYYY-MM the item was filed in (the bureau's time zone)
    owner_id: int | None = None
    states: tuple[State, ...] = ()


def _where(query: Any, q: LedgerQuery, policy: Policy) -> Any | None:
    """The query narrowed by `q`, or None when `q` can match nothing."""
    if q.unit:
        query = query.where(col(Unit.code) == q.unit)
    if q.state:
        if q.state not in State.__members__:
            return None
        query = query.where(col(Finding.state) == State(q.state))
    if q.states:
        query = query.where(col(Finding.state).in_(q.states))
    if q.owner_id is not None:
        query = query.where(col(Finding.owner_id) == q.owner_id)
    if q.colour:
        coloured = [lv for lv, c in policy.level_colours.items() if c]
        if q.colour == "none":
            query = query.where(col(Finding.escalation_level).not_in(coloured))
        else:
            levels = [lv for lv, c in policy.level_colours.items() if c == q.colour]
            if not levels:
                return None
            query = query.where(col(Finding.escalation_level).in_(levels))
    if q.month:
        try:
            year, month = (int(part) for part in q.month.split("-"))
            _, _, start, end = month_bounds(year, month, ZoneInfo(policy.timezone))
        except ValueError:
            return None
        query = query.where(col(Finding.filed_at) >= start, col(Finding.filed_at) < end)
    return query


def ledger_views(session: Session, *, now: datetime, policy: Policy,
                 query: LedgerQuery | None = None) -> list[ItemView]:
    # The items' columns as rows, the small tables whole: ORM objects for 20,000 items were
    # half of a notice's ledger time.
    select_rows = (
        select(*inspect(Finding).columns)
        .join(Unit, col(Unit.id) == Finding.unit_id)
        .order_by(col(Finding.id))
    )
    if query is not None:
        narrowed = _where(select_rows, query, policy)
        if narrowed is None:
            return []
        select_rows = narrowed
    rows = session.execute(select_rows).all()
    units = {u.id: u for u in session.exec(select(Unit))}
    mans = {m.id: m for m in session.exec(select(Manifestation))}
    owner_ids = {f.owner_id for f in rows if f.owner_id}
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(owner_ids)))}
    calendar = WorkCalendar.from_session(session)
    today = local_date(now, policy.timezone)
    lang = 0 if policy.language == "zh" else 1
    views = [_view(f, units[f.unit_id], mans[f.manifestation_id],
                   people.get(f.owner_id) if f.owner_id else None, calendar, today, lang,
                   policy.level_colours, policy.timezone) for f in rows]
    ids = [f.id for f in rows]
    exts = _extensions(session, ids)
    codes = {f.id: f.code for f in rows}
    mail = mail_trouble(session, codes)
    # Parents a filter left out (a sub-item of another unit's item), read by id.
    wanted = sorted({f.parent_id for f in rows if f.parent_id and f.parent_id not in codes})
    for i in range(0, len(wanted), 500):
        codes.update(session.execute(select(Finding.id, Finding.code).where(
            col(Finding.id).in_(wanted[i:i + 500]))).all())
    for f, view in zip(rows, views, strict=True):
        view.extensions, view.pending_extension_to = exts.get(f.id, (0, None))
        view.mail_waiting, view.mail_failed = mail.get(f.id, (0, 0))
        view.recurrence_of = codes.get(f.recurrence_of_id) if f.recurrence_of_id else None
        view.parent = codes.get(f.parent_id) if f.parent_id else None
    return views
