"""The commands that change an item. Each checks the actor against the lifecycle table,
applies the change, appends audit events and writes the mail it causes to the outbox.
They flush but never commit: the caller's transaction makes each all-or-nothing."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import func
from sqlmodel import Session, col, select

from messages import RuleError
from models.columns import stored_id
from models.deadlines.calendar import WorkCalendar, local_date
from models.deadlines.dates import due_date
from models.items.codes import next_code
from models.items.effects import cancel_pending_alerts, notify, record_transition, start_deadline
from models.items.evidence import Decision, Evidence, EvidenceFile, Review, StoredFile
from models.items.finding import Finding, State
from models.items.lifecycle import Command, check, verifiers
from models.items.split import tell_parent_if_done
from models.outbox import MailStatus, Notification
from models.people.directory import (
    finding_by_code,
    manifestation_by_id,
    person_by_email,
    responsible_owner,
    unit_by_code,
)
from models.people.org import Person
from models.policy import Policy
from models.text import clean_text
from models.words import Words
from models.words import deadline_class as class_named

__all__ = [
    "accept", "acknowledge", "assign", "file", "finding_by_code", "reassign", "reassign_all", "return_item",
    "submit", "withdraw",
]


def earlier_finding(session: Session, *, unit_id: int, manifestation_id: str, now: datetime,
                    policy: Policy) -> Finding | None:
    """The latest finding for the same unit and manifestation within the recurrence window."""
    since = now - relativedelta(months=policy.recurrence_months)
    return session.exec(select(Finding).where(
        col(Finding.unit_id) == unit_id, col(Finding.manifestation_id) == manifestation_id,
        col(Finding.filed_at) >= since,
        col(Finding.state) != State.withdrawn).order_by(col(Finding.filed_at).desc()).limit(1)).first()


def file(session: Session, *, actor: Person, unit: str, manifestation: str,
                 title: str, detail: str = "", deadline_class: str | None = None,
                 owner: str | None = None, now: datetime, policy: Policy, import_key: str | None = None,
                 code: str | None = None) -> Finding:
    """An inspector records a problem (立项). The case flow assigns it next. `code`: one the
    caller took from the counter in this transaction (a sheet takes all its codes at once)."""
    check(session, Command.file, actor=actor, finding=None, language=policy.language,
          now=now)
    # Codes and e-mails (a checked sheet's rows) are found at once; the clerk's words (a name,
    # 限期整改) through the ledger's names.
    words: Words | None = None

    def named() -> Words:
        nonlocal words
        words = words or Words.load(session)
        return words

    try:
        the_unit = unit_by_code(session, unit)
    except RuleError:
        the_unit = named().unit(unit)
    try:
        man = manifestation_by_id(session, manifestation)
    except RuleError:
        man = named().manifestation(manifestation)
    title = clean_text(title, field="title", limit=200)
    detail = clean_text(detail, field="detail", limit=4000, required=False, multiline=True)
    cls = class_named(deadline_class) if deadline_class and deadline_class.strip() else man.default_class
    if owner and "@" in owner:
        owner_named: Person | None = person_by_email(session, owner, field="owner")
    else:
        owner_named = named().person(owner, unit=the_unit) if owner and owner.strip() else None
    if owner_named is not None and not owner_named.active:
        raise RuleError("inactive_person", field="owner", value=owner_named.email)
    finding = Finding(
        code=code or next_code(session, local_now=now.astimezone(ZoneInfo(policy.timezone))),
        unit_id=stored_id(the_unit), manifestation_id=man.id, title=title, detail=detail,
        deadline_class=cls, state=State.filed, filed_by_id=stored_id(actor), filed_at=now,
        proposed_owner_id=owner_named.id if owner_named else None, updated_at=now, import_key=import_key,
    )
    earlier = earlier_finding(session, unit_id=stored_id(the_unit), manifestation_id=man.id, now=now, policy=policy)
    finding.recurrence_of_id = earlier.id if earlier else None
    session.add(finding)
    session.flush()
    if responsible_owner(session, finding) is None:
        raise RuleError("no_owner", field="owner", value=the_unit.code)
    record_transition(session, finding, Command.file, actor=actor, now=now,
           data={"unit": the_unit.code, "manifestation": man.id, "class": cls.value,
                 "title": title, "recurrence_of": earlier.code if earlier else None})
    return finding


def assign(session: Session, *, actor: Person | None, finding: Finding, now: datetime,
           policy: Policy, mail: bool = True) -> Finding:
    """Hand the item to its responsible owner (交办) and start the deadline."""
    check(session, Command.assign, actor=actor, finding=finding, language=policy.language,
          now=now)
    owner = responsible_owner(session, finding)
    if owner is None:
        raise RuleError("no_owner", field="owner", value=str(finding.unit_id))
    finding.owner_id = owner.id
    finding.assigned_at = now
    start_deadline(session, finding, now=now, policy=policy)
    record_transition(session, finding, Command.assign, actor=actor, now=now,
           data={"owner": owner.email, "due_on": finding.due_on})
    if mail:  # a batch tells each owner once, in one mail (models/rounds/sheet.py)
        notify(session, finding, owner, "assigned", policy=policy, now=now)
    return finding


def acknowledge(session: Session, *, actor: Person, finding: Finding, now: datetime,
                policy: Policy) -> Finding:
    """The owner signs for the item (签收): they have it and are on it. Once per owner."""
    check(session, Command.acknowledge, actor=actor, finding=finding, language=policy.language,
          now=now)
    finding.acknowledged_at = now
    cancel_pending_alerts(session, finding, kind="unacknowledged")
    record_transition(session, finding, Command.acknowledge, actor=actor, now=now, data={})
    return finding


def reassign(session: Session, *, actor: Person, finding: Finding, to: str, now: datetime,
             policy: Policy, reason: str = "") -> Finding:
    """Move an assigned item to another owner (改派); the due date stays."""
    check(session, Command.reassign, actor=actor, finding=finding, language=policy.language,
          now=now)
    reason = clean_text(reason, field="reason", limit=2000, required=False, multiline=True)
    new_owner = person_by_email(session, to, field="to")
    if not new_owner.active:
        raise RuleError("inactive_person", field="to", value=new_owner.email)
    if new_owner.id == finding.owner_id:
        raise RuleError("same_owner", field="to", value=new_owner.email)
    old = session.get(Person, finding.owner_id) if finding.owner_id else None
    # Mail to the previous owner that has not gone out yet is stale now.
    for row in session.exec(select(Notification).where(
            col(Notification.finding_id) == finding.id, col(Notification.status) == MailStatus.pending,
            col(Notification.recipient_id) == finding.owner_id)):
        row.status = MailStatus.cancelled
        session.add(row)
    cancel_pending_alerts(session, finding)
    finding.owner_id = new_owner.id
    finding.assigned_at, finding.acknowledged_at = now, None  # the new owner signs for it afresh
    record_transition(session, finding, Command.reassign, actor=actor, now=now,
           data={"owner": new_owner.email, "previous": old.email if old else None,
                 "reason": reason})
    notify(session, finding, new_owner, "assigned", policy=policy, now=now)
    return finding


def submit(session: Session, *, actor: Person, finding: Finding, account: str,
           files: list[StoredFile], now: datetime, policy: Policy) -> Evidence:
    """The owner hands in the account of the rectification and its evidence."""
    check(session, Command.submit, actor=actor, finding=finding, language=policy.language,
          now=now)
    account = clean_text(account, field="note", limit=8000, multiline=True)
    evidence = Evidence(finding_id=stored_id(finding), account=account, submitted_by_id=stored_id(actor),
                        submitted_at=now)
    session.add(evidence)
    session.flush()
    for f in files:
        session.add(EvidenceFile(evidence_id=stored_id(evidence), sha256=f.sha256, size=f.size,
                                 original_name=f.original_name))
    acknowledged = finding.acknowledged_at is None  # handing in evidence is signing for it too
    if acknowledged:
        finding.acknowledged_at = now
        cancel_pending_alerts(session, finding, kind="unacknowledged")
    record_transition(session, finding, Command.submit, actor=actor, now=now,
           data={"evidence": evidence.id, "files": [f.sha256 for f in files],
                 **({"acknowledged": True} if acknowledged else {})})
    # The verifier reads which submission this is: a second one answers their return.
    submission = session.exec(select(func.count()).select_from(Evidence).where(
        col(Evidence.finding_id) == finding.id)).one()
    for reviewer in verifiers(session, finding):
        notify(session, finding, reviewer, "submitted", policy=policy, now=now,
                account=account, files=[f.original_name for f in files], submission=submission)
    return evidence


def _latest_evidence(session: Session, finding: Finding) -> Evidence:
    evidence = session.exec(select(Evidence).where(col(Evidence.finding_id) == finding.id)
                            .order_by(col(Evidence.id).desc())).first()
    assert evidence is not None, "a submitted item has evidence"
    return evidence


def return_item(session: Session, *, actor: Person, finding: Finding, reason: str,
                now: datetime, policy: Policy, new_due: date | None = None) -> Review:
    """The verifier sends the item back (退回) with a reason, optionally a new due date."""
    check(session, Command.return_, actor=actor, finding=finding, reason=reason, language=policy.language,
          now=now)
    reason = clean_text(reason, field="reason", limit=2000, multiline=True)
    if new_due is not None:
        due_date(new_due, today=local_date(now, policy.timezone), window_days=policy.due_window_days, field="due")
        finding.due_on = new_due
        finding.due_provisional = not WorkCalendar.from_session(session).knows(new_due)
        finding.escalation_level = 0  # the deadline moved: the ladder starts again
        cancel_pending_alerts(session, finding)
    review = Review(finding_id=stored_id(finding), evidence_id=stored_id(_latest_evidence(session, finding)),
                    reviewer_id=stored_id(actor), decision=Decision.return_, reason=reason,
                    new_due_on=new_due, at=now)
    session.add(review)
    record_transition(session, finding, Command.return_, actor=actor, now=now,
           data={"reason": reason, "due_on": finding.due_on})
    owner = session.get(Person, finding.owner_id)
    assert owner is not None
    notify(session, finding, owner, "returned", policy=policy, now=now, reason=reason,
            due_changed=new_due is not None)
    return review


def accept(session: Session, *, actor: Person, finding: Finding, now: datetime,
           policy: Policy) -> Review:
    """The verifier accepts the evidence and closes the item (销号)."""
    check(session, Command.accept, actor=actor, finding=finding, language=policy.language,
          now=now)
    review = Review(finding_id=stored_id(finding), evidence_id=stored_id(_latest_evidence(session, finding)),
                    reviewer_id=stored_id(actor), decision=Decision.accept, at=now)
    session.add(review)
    finding.closed_at = now
    finding.escalation_level = 0
    cancel_pending_alerts(session, finding)
    record_transition(session, finding, Command.accept, actor=actor, now=now, data={})
    tell_parent_if_done(session, finding, now=now, policy=policy)
    owner = session.get(Person, finding.owner_id)
    assert owner is not None
    notify(session, finding, owner, "closed", policy=policy, now=now, verifier=actor.name)
    return review


def withdraw(session: Session, *, actor: Person, finding: Finding, reason: str,
             now: datetime, policy: Policy) -> Finding:
    """An inspector withdraws an item filed in error (撤销)."""
    check(session, Command.withdraw, actor=actor, finding=finding, reason=reason, language=policy.language,
          now=now)
    reason = clean_text(reason, field="reason", limit=2000, multiline=True)
    record_transition(session, finding, Command.withdraw, actor=actor, now=now, data={"reason": reason})
    tell_parent_if_done(session, finding, now=now, policy=policy)
    if finding.owner_id is not None:
        owner = session.get(Person, finding.owner_id)
        assert owner is not None
        notify(session, finding, owner, "withdrawn", policy=policy, now=now, reason=reason)
    return finding


def reassign_all(session: Session, *, actor: Person, from_email: str, to: str, now: datetime,
                 policy: Policy, reason: str = "") -> list[str]:
    """Move every open item of one person (a departed owner) to another, all or nothing."""
    old = person_by_email(session, from_email, field="from")
    moved = []
    for finding in session.exec(select(Finding).where(
            col(Finding.owner_id) == old.id,
            col(Finding.state).in_([State.assigned, State.submitted])).order_by(col(Finding.id))):
        reassign(session, actor=actor, finding=finding, to=to, now=now, policy=policy, reason=reason)
        moved.append(finding.code)
    new = person_by_email(session, to, field="to")
    for finding in session.exec(select(Finding).where(col(Finding.proposed_owner_id) == old.id,
                                                      col(Finding.state) == State.filed)):
        finding.proposed_owner_id = new.id  # not yet assigned: it goes to the new owner
        session.add(finding)
        moved.append(finding.code)
    return moved
