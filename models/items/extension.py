"""Extensions (延期申请): the owner asks for a later due date before the deadline; a
supervisor approves or rejects. Approval moves the due date, keeps the original, and
restarts reminders and the escalation ladder. Extensions are counted apart."""

from datetime import date, datetime

from sqlmodel import Session

from messages import RuleError
from models.columns import stored_id
from models.deadlines.calendar import WorkCalendar, local_date
from models.deadlines.dates import due_date
from models.deadlines.escalation import audience
from models.items.effects import cancel_pending_alerts, notify, record_transition
from models.items.extension_request import Extension, ExtensionStatus, pending_extension
from models.items.finding import Finding
from models.items.lifecycle import Command, check
from models.people.org import Person
from models.policy import Policy
from models.text import clean_text

__all__ = ["Extension", "ExtensionStatus", "decide_extension", "pending_extension", "request_extension"]


def request_extension(session: Session, *, actor: Person, finding: Finding, to: date, reason: str,
                      now: datetime, policy: Policy) -> Extension:
    check(session, Command.request_extension, actor=actor, finding=finding, reason=reason, language=policy.language,
          now=now)
    reason = clean_text(reason, field="reason", limit=2000, multiline=True)
    assert finding.due_on is not None
    if local_date(now, policy.timezone) > finding.due_on:
        raise RuleError("extension_late", field="to", value=finding.due_on.isoformat())
    if to <= finding.due_on:
        raise RuleError("extension_not_later", field="to", value=finding.due_on.isoformat())
    due_date(to, today=local_date(now, policy.timezone), window_days=policy.due_window_days, field="to")
    ext = Extension(finding_id=stored_id(finding), requested_by_id=stored_id(actor), requested_at=now,
                    from_due=finding.due_on, to_due=to, reason=reason)
    session.add(ext)
    record_transition(session, finding, Command.request_extension, actor=actor, now=now,
                      data={"to": to, "reason": reason})
    for supervisor in audience(session, finding, "supervisor"):
        if supervisor.id != finding.owner_id:
            notify(session, finding, supervisor, "extension_requested", policy=policy, now=now,
                   reason=reason, requested_due=to.isoformat())
    return ext


def decide_extension(session: Session, *, actor: Person, finding: Finding, approve: bool, now: datetime,
                     policy: Policy, reason: str = "") -> Extension:
    command = Command.approve_extension if approve else Command.reject_extension
    check(session, command, actor=actor, finding=finding, reason=reason, language=policy.language, now=now)
    ext = pending_extension(session, finding)
    assert ext is not None, "the table's guard: an extension pending"
    ext.status = ExtensionStatus.approved if approve else ExtensionStatus.rejected
    ext.decided_by_id, ext.decided_at = actor.id, now
    ext.decision_reason = clean_text(reason, field="reason", limit=2000, required=not approve, multiline=True)
    session.add(ext)
    if approve:
        finding.due_on = ext.to_due  # original_due_on keeps the first deadline
        finding.due_provisional = not WorkCalendar.from_session(session).knows(ext.to_due)
        finding.escalation_level = 0
        cancel_pending_alerts(session, finding)
    record_transition(session, finding, command, actor=actor, now=now,
                      data={"to": ext.to_due, "reason": ext.decision_reason})
    owner = session.get(Person, finding.owner_id)
    if owner is not None:
        notify(session, finding, owner, "extension_decided", policy=policy, now=now, approved=approve,
               reason=ext.decision_reason, requested_due=ext.to_due.isoformat())
    return ext
