"""What one pass of an item's case run does to the ledger, each step one transaction and
safe to repeat: read the item, assign a filed one, note the version it acted on, and hand
over the events not yet shown in Prefect."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.audit.chain import Event
from models.items import commands
from models.items.finding import Finding, State
from models.ledger.views import ItemView, item_view
from models.people.directory import finding_by_code
from services import context as ctx
from store.db import reading, transaction


@dataclass(frozen=True)
class Case:
    """The item as a case pass sees it: its view, and the version the pass acts on."""

    id: int
    version: int
    view: ItemView

    @property
    def state(self) -> State:
        return self.view.state


def _case(session: Session, finding: Finding, now: datetime) -> Case:
    view = item_view(session, finding, now=now, policy=ctx.policy())
    assert finding.id is not None
    return Case(finding.id, finding.version, view)


def load_case(code: str, at: datetime | None = None) -> Case:
    """The item (at a moment, default now): state, owner, due date, colour, events, version."""
    with reading(ctx.database()) as session:
        return _case(session, finding_by_code(session, code), at or ctx.now())


def open_case(code: str) -> Case:
    """A pass's first step, in one transaction: assign the item if it is still filed (the
    system acting; a no-op once assigned), then read it as `load_case` does."""
    with transaction(ctx.database()) as session:
        finding = finding_by_code(session, code)
        now = ctx.now()
        if finding.state is State.filed:
            commands.assign(session, actor=None, finding=finding, now=now, policy=ctx.policy())
            session.flush()
        return _case(session, finding, now)


def settle(code: str, version: int) -> bool:
    """Before the case run goes idle: record the version it acted on, unless the item has
    moved since it was loaded (then the run must go round again)."""
    with transaction(ctx.database()) as session:
        finding = finding_by_code(session, code)
        if finding.version != version:
            return False
        finding.suspended_version = version
        session.add(finding)
        return True


@dataclass(frozen=True)
class NewEvent:
    seq: int
    kind: str
    actor: str
    at: datetime
    data: dict[str, Any]


def mirror_new_events(case_id: int, emit: Callable[[NewEvent], None]) -> int:
    """Hand each of the item's events not yet in Prefect's event feed to `emit`, oldest first,
    and note them as mirrored, in one transaction: if `emit` fails, none is noted and the
    next pass tries again. Returns how many."""
    with transaction(ctx.database()) as session:
        finding = session.get(Finding, case_id)
        assert finding is not None
        rows = session.exec(select(Event).where(col(Event.finding_id) == case_id,
                                                col(Event.seq) > finding.published_event_id)
                            .order_by(col(Event.seq))).all()
        for e in rows:
            emit(NewEvent(e.seq, e.kind, e.actor, e.at, dict(e.data)))
        if rows:
            session.execute(update(Finding).where(col(Finding.id) == case_id).values(published_event_id=rows[-1].seq))
        return len(rows)
