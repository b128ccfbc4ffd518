"""Every item row checked against its own history: replaying an item's transition events
must give its state, version, owner and due date. An item edited straight in the database
(a state set to closed, a due date moved, an owner swapped) disagrees with its events."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from models.audit.chain import Event
from models.columns import stored_id
from models.items.finding import Finding
from models.items.lifecycle import TRANSITIONS as TABLE
from models.items.lifecycle import Command
from models.people.org import Person

TRANSITIONS = {c.value for c in Command}


@dataclass(frozen=True)
class Mismatch:
    code: str
    field: str
    row: str
    events: str


def _replay(events: list[Event]) -> dict[str, Any]:
    seen: dict[str, Any] = {"state": None, "version": 0, "owner": None, "due_on": None}
    for ev in events:
        if ev.kind not in TRANSITIONS:
            continue  # escalations and the like sit beside the state
        data, target = ev.data, TABLE[Command(ev.kind)].target
        seen["version"] += 1
        if target is not None:  # commands that keep the state record other things under "to"
            seen["state"] = target.value
        if ev.kind in ("assign", "reassign"):
            seen["owner"] = data.get("owner")
        if ev.kind in ("assign", "return") and data.get("due_on"):
            seen["due_on"] = str(data["due_on"])
        if ev.kind == "approve_extension" and data.get("to"):
            seen["due_on"] = str(data["to"])
    return seen


def item_mismatches(session: Session) -> list[Mismatch]:
    emails = {p.id: p.email for p in session.exec(select(Person))}
    by_item: dict[int, list[Event]] = {}
    for ev in session.exec(select(Event).where(col(Event.finding_id).is_not(None)).order_by(col(Event.seq))):
        if ev.finding_id is not None:  # as the query asks: typed as maybe none
            by_item.setdefault(ev.finding_id, []).append(ev)
    found = []
    for f in session.exec(select(Finding).order_by(col(Finding.id))):
        seen = _replay(by_item.get(stored_id(f), []))
        row = {"state": f.state.value, "version": f.version, "owner": emails.get(f.owner_id) if f.owner_id else None,
               "due_on": f.due_on.isoformat() if isinstance(f.due_on, date) else None}
        for field, value in row.items():
            if field == "due_on" and seen["due_on"] is None:
                continue  # not assigned yet: no deadline in the history to compare
            if value != seen[field]:
                found.append(Mismatch(f.code, field, str(value), str(seen[field])))
    return found
