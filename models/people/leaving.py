"""After a person has left (个人信息保护法: kept no longer than needed): what the ledger holds
about them is erased except where the audit needs it. Their row stays (items, reviews and
mail refer to it by id) under a placeholder name and address; their channels, second factor,
sessions, sign-in record and the text of mail sent to them go. The hash-chained audit log
keeps the address it recorded them acting under: that is the audit."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from messages import RuleError
from models.access.attempts import SignInAttempt
from models.access.second_factor import SecondFactor
from models.access.sessions import Ended, PortalSession, end_sessions
from models.audit.chain import append_event
from models.columns import stored_id
from models.items.finding import Finding, State
from models.outbox import Notification
from models.people.absence import Absence
from models.people.channels import Channel
from models.people.org import Membership, Person

PLACEHOLDER_DOMAIN = "left.invalid"  # RFC 2606: never a real mailbox


@dataclass(frozen=True)
class Forgotten:
    person_id: int
    channels: int
    mails: int
    sign_ins: int


def forget(session: Session, person: Person, *, by: Person, now: datetime) -> Forgotten:
    """Erase a departed person's data (refused while they are active, own open items or
    stand in for someone)."""
    me = stored_id(person)
    if person.active:
        raise RuleError("still_active", field="email", value=person.email)
    open_items = session.exec(select(Finding.code).where(col(Finding.owner_id) == me,
                                                         col(Finding.state).in_([s for s in State if s.is_open]))).all()
    if open_items:
        raise RuleError("still_owns", field="email", value=person.email, detail=", ".join(open_items[:10]))
    if session.exec(select(Absence.id).where(col(Absence.delegate_id) == me, col(Absence.ended_at).is_(None),
                                             col(Absence.ends_at) > now)).first():
        raise RuleError("still_delegate", field="email", value=person.email)
    channels = session.exec(select(Channel).where(col(Channel.person_id) == me)).all()
    for ch in channels:  # rows stay (the outbox refers to them), emptied
        ch.target, ch.secret, ch.everything, ch.active, ch.updated_at = "", "", False, False, now
        session.add(ch)
    mails = len(session.exec(select(Notification.id).where(col(Notification.recipient_id) == me)).all())
    session.execute(update(Notification).where(col(Notification.recipient_id) == me).values(
        recipient_email=f"person-{me}@{PLACEHOLDER_DOMAIN}", context={}))
    sign_ins = len(session.exec(select(SignInAttempt.id).where(col(SignInAttempt.person_id) == me)).all())
    session.execute(update(SignInAttempt).where(col(SignInAttempt.person_id) == me).values(identity="", address=""))
    end_sessions(session, person_id=me, now=now, why=Ended.revoked, by_id=by.id)
    session.execute(update(PortalSession).where(col(PortalSession.person_id) == me).values(address="", agent=""))
    session.execute(delete(SecondFactor).where(col(SecondFactor.person_id) == me))
    session.execute(delete(Membership).where(col(Membership.person_id) == me))
    person.name, person.email = f"已离职人员 #{me}", f"person-{me}@{PLACEHOLDER_DOMAIN}"
    person.staff_no, person.language = None, None
    session.add(person)
    append_event(session, finding_id=None, actor=by.email, kind="person_forgotten", now=now, data={"person_id": me})
    return Forgotten(me, len(channels), mails, sign_ins)
