"""What the ledger holds about one person (个人信息保护法: a person may ask for it): who they
are, their roles and messenger channels (which, not their keys), the items they own or filed,
what the audit log records them doing, their absences, and the mail sent to them (what and
when, not its text). A document for the person, as JSON."""

from typing import Any

from sqlmodel import Session, col, or_, select

from models.audit.chain import Event
from models.columns import stored_id
from models.items.finding import Finding
from models.outbox import Notification
from models.people.absence import Absence
from models.people.channels import Channel
from models.people.org import Membership, Person, Unit


def personal_data(session: Session, person: Person) -> dict[str, Any]:
    me = stored_id(person)
    units = {u.id: u.code for u in session.exec(select(Unit))}
    people = {p.id: p.email for p in session.exec(select(Person))}
    items = session.exec(select(Finding).where(or_(col(Finding.owner_id) == me, col(Finding.filed_by_id) == me))
                         .order_by(col(Finding.id))).all()
    codes = {f.id: f.code for f in items}
    events = session.exec(select(Event).where(col(Event.actor) == person.email).order_by(col(Event.seq))).all()
    codes.update({f.id: f.code for f in session.exec(select(Finding).where(
        col(Finding.id).in_({e.finding_id for e in events if e.finding_id is not None} - set(codes))))})
    return {
        "person": {"email": person.email, "name": person.name, "language": person.language, "active": person.active},
        "roles": [{"unit": units.get(m.unit_id), "role": m.role.value} for m in session.exec(
            select(Membership).where(col(Membership.person_id) == me).order_by(col(Membership.id)))],
        "channels": [{"kind": c.kind.value, "everything": c.everything, "active": c.active,
                      "updated_at": c.updated_at.isoformat()} for c in session.exec(
            select(Channel).where(col(Channel.person_id) == me).order_by(col(Channel.id)))],
        "items": [{"code": f.code, "title": f.title, "state": f.state.value,
                   "due_on": f.due_on.isoformat() if f.due_on else None, "owner": f.owner_id == me,
                   "filed_by_me": f.filed_by_id == me} for f in items],
        "actions": [{"seq": e.seq, "at": e.at.isoformat(), "kind": e.kind,
                     "item": codes.get(e.finding_id) if e.finding_id is not None else None} for e in events],
        "absences": [{"away": people.get(a.person_id), "delegate": people.get(a.delegate_id),
                      "first_day": a.first_day.isoformat(), "last_day": a.last_day.isoformat(), "reason": a.reason}
                     for a in session.exec(select(Absence).where(or_(col(Absence.person_id) == me,
                                                                     col(Absence.delegate_id) == me))
                                           .order_by(col(Absence.id)))],
        "mail": [{"template": n.template, "at": n.created_at.isoformat(), "status": n.status.value,
                  "item": codes.get(n.finding_id) if n.finding_id is not None else None,
                  "channel": "mail" if n.channel_id is None else "messenger"}
                 for n in session.exec(select(Notification).where(col(Notification.recipient_id) == me)
                                       .order_by(col(Notification.id)))],
    }
