"""What every command does besides its own rule: record the move in the audit chain, write
mail to the outbox, start a deadline, drop alerts made stale by a change."""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.audit.chain import append_event
from models.catalogue import Manifestation
from models.columns import stored_id
from models.deadlines.alerts import Alert
from models.deadlines.calendar import WorkCalendar, local_date
from models.items.finding import Finding
from models.items.lifecycle import TRANSITIONS, Command, acting_for
from models.outbox import enqueue
from models.people.absence import addressee
from models.people.org import Person, Unit
from models.policy import Policy


def record_transition(session: Session, finding: Finding, command: Command, *, actor: Person | None,
           now: datetime, data: dict[str, Any]) -> None:
    """Move the item to the command's target state and record it in the chain."""
    before = None if command is Command.file else finding.state
    stand_in = acting_for(session, command, actor=actor, finding=finding, now=now)  # 委托: done for whom
    finding.state = TRANSITIONS[command].target or finding.state
    finding.version += 1
    finding.updated_at = now
    session.add(finding)
    if finding.id is None:  # a new item's events need its id; a known one is flushed later
        session.flush()
    append_event(
        session, finding_id=finding.id, actor=actor.email if actor else "system",
        kind=command.value, now=now,
        data={"code": finding.code, "from": before.value if before else None,
              "to": finding.state.value, **data, **({"for": stand_in.email} if stand_in else {})},
    )


def notify(session: Session, finding: Finding, recipient: Person, template: str, *,
            policy: Policy, now: datetime, **extra: Any) -> None:
    """Mail about the item to `recipient`, or to their delegate while they are away (委托)."""
    recipient, name = addressee(session, recipient, now, policy.language)
    unit = session.get(Unit, finding.unit_id)
    man = session.get(Manifestation, finding.manifestation_id)
    owner = session.get(Person, finding.owner_id) if finding.owner_id else None
    assert unit is not None and man is not None
    context = {
        "code": finding.code, "title": finding.title, "detail": finding.detail,
        "unit": unit.name, "manifestation_id": man.id,
        "manifestation_zh": man.title_zh, "manifestation_en": man.title_en,
        "deadline_class": finding.deadline_class.value,
        "due_on": finding.due_on.isoformat() if finding.due_on else None,
        "due_provisional": finding.due_provisional,
        "owner": owner.name if owner else None, "recipient": name,
        "calendar_sequence": finding.version,  # a later mail's calendar part updates an earlier one
        **extra,
    }
    enqueue(
        session, dedupe_key=f"{finding.code}:{finding.version}:{template}:{recipient.id}",
        finding_id=finding.id, recipient_id=stored_id(recipient), recipient_email=recipient.email,
        template=template, language=recipient.language or policy.language,
        context=context, now=now,
    )


def start_deadline(session: Session, finding: Finding, *, now: datetime, policy: Policy) -> None:
    deadline = WorkCalendar.from_session(session).add_working_days(
        local_date(now, policy.timezone), policy.days[finding.deadline_class])
    finding.due_on = deadline.day
    finding.original_due_on = finding.original_due_on or deadline.day
    finding.due_provisional = deadline.provisional


def cancel_pending_alerts(session: Session, finding: Finding, *, kind: str | None = None) -> None:
    """Reminders and escalation notes not yet in a digest are stale once the owner or the
    deadline changes (or, for `kind`, once what they ask for is done): the next sweep
    recomputes them."""
    query = select(Alert).where(col(Alert.finding_id) == finding.id, col(Alert.digest_id).is_(None),
                                col(Alert.cancelled) == False)  # noqa: E712
    if kind is not None:
        query = query.where(col(Alert.kind) == kind)
    for alert in session.exec(query):
        alert.cancelled = True
        session.add(alert)
