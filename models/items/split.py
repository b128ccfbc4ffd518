"""分解: an item split into sub-items for other units or people, each with its own owner and a
due date no later than the parent's. Each is an item of its own with the full lifecycle (its
own case run, named after the parent); the parent is handed in only once every sub-item is
closed or withdrawn. One level: a sub-item is not split again."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from messages import RuleError
from models.columns import stored_id
from models.deadlines.calendar import WorkCalendar, local_date
from models.deadlines.dates import due_date
from models.items.codes import next_codes
from models.items.effects import notify, record_transition
from models.items.finding import Finding, State
from models.items.guards import open_parts
from models.items.lifecycle import Command, check
from models.people.directory import person_by_email, unit_by_code
from models.people.org import Person
from models.policy import Policy
from models.text import clean_text

MAX_PARTS = 10


@dataclass(frozen=True)
class Part:
    """One sub-item as asked for."""

    unit: str  # unit code
    owner: str  # email
    title: str
    due: date | None
    detail: str = ""


def parts_of(session: Session, finding: Finding) -> list[Finding]:
    return list(session.exec(select(Finding).where(col(Finding.parent_id) == finding.id).order_by(col(Finding.id))))


def tell_parent_if_done(session: Session, part: Finding, *, now: datetime, policy: Policy) -> None:
    """A part just closed or withdrawn: when it was the last open one, the parent's owner hears
    they can hand the item in now (once: the parent's version keys the mail)."""
    if part.parent_id is None:
        return
    parent = session.get(Finding, part.parent_id)
    if parent is None or parent.state is not State.assigned or open_parts(session, parent) or parent.owner_id is None:
        return
    owner = session.get(Person, parent.owner_id)
    if owner is not None:
        notify(session, parent, owner, "parts_done", policy=policy, now=now)


def split(session: Session, *, actor: Person, finding: Finding, parts: list[Part], now: datetime,
          policy: Policy) -> list[Finding]:
    """File and assign each part as a sub-item of `finding`, all or nothing; each owner is mailed."""
    check(session, Command.split_, actor=actor, finding=finding, language=policy.language, now=now)
    if not parts or len(parts) > MAX_PARTS:
        raise RuleError("split_parts", field="parts", limit=MAX_PARTS)
    assert finding.due_on is not None, "an assigned item has a due date"
    today = local_date(now, policy.timezone)
    calendar = WorkCalendar.from_session(session)
    checked = []
    for i, part in enumerate(parts, start=1):
        where = f"parts[{i}]"
        unit = unit_by_code(session, part.unit, field=f"{where}.unit")
        owner = person_by_email(session, part.owner, field=f"{where}.owner")
        if not owner.active:
            raise RuleError("inactive_person", field=f"{where}.owner", value=owner.email)
        title = clean_text(part.title, field=f"{where}.title", limit=200)
        detail = clean_text(part.detail, field=f"{where}.detail", limit=4000, required=False, multiline=True)
        if part.due is None:
            raise RuleError("required", field=f"{where}.due")
        due_date(part.due, today=today, window_days=policy.due_window_days, field=f"{where}.due")
        if part.due > finding.due_on:
            raise RuleError("split_due", field=f"{where}.due", value=part.due.isoformat(),
                            limit=finding.due_on.isoformat())
        checked.append((unit, owner, title, detail, part.due))
    parent_owner = session.get(Person, finding.owner_id)
    codes = next_codes(session, local_now=now.astimezone(ZoneInfo(policy.timezone)), count=len(checked))
    subs = []
    for code, (unit, owner, title, detail, due) in zip(codes, checked, strict=True):
        sub = Finding(code=code, unit_id=stored_id(unit), manifestation_id=finding.manifestation_id, title=title,
                      detail=detail, deadline_class=finding.deadline_class, state=State.filed,
                      filed_by_id=stored_id(actor), filed_at=now, proposed_owner_id=stored_id(owner), updated_at=now,
                      parent_id=finding.id)
        session.add(sub)
        session.flush()
        record_transition(session, sub, Command.file, actor=actor, now=now,
                          data={"unit": unit.code, "manifestation": sub.manifestation_id,
                                "class": sub.deadline_class.value, "title": title, "parent": finding.code})
        # Handed over at once, with the due date the split gave it (not the class's).
        sub.owner_id, sub.assigned_at = owner.id, now
        sub.due_on = sub.original_due_on = due
        sub.due_provisional = not calendar.knows(due)
        record_transition(session, sub, Command.assign, actor=None, now=now,
                          data={"owner": owner.email, "due_on": due, "parent": finding.code})
        notify(session, sub, owner, "assigned", policy=policy, now=now, parent=finding.code,
               parent_owner=parent_owner.name if parent_owner else "")
        subs.append(sub)
    record_transition(session, finding, Command.split_, actor=actor, now=now, data={"parts": codes})
    return subs
