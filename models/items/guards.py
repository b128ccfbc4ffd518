"""The conditions on an item that a transition needs beyond its state (as python-statemachine's
`cond=`), declared on the transitions in the lifecycle table: a guard says why not, or None.
The table checks them, the pages ask the table, and the diagram names them."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from messages import RuleError
from models.items.extension_request import pending_extension
from models.items.finding import Finding, State


@dataclass(frozen=True)
class Guard:
    name: str  # as the diagram shows it
    refusal: Callable[[Session, Finding], RuleError | None]


def open_parts(session: Session, finding: Finding) -> list[str]:
    """The codes of this item's sub-items still open."""
    if finding.id is None:
        return []
    return list(session.exec(select(Finding.code).where(
        col(Finding.parent_id) == finding.id, col(Finding.state).in_([s for s in State if s.is_open]))
        .order_by(col(Finding.id))))


def _not_acknowledged(session: Session, finding: Finding) -> RuleError | None:
    if finding.acknowledged_at is not None:  # once per owner: a reassignment clears it
        return RuleError("already_acknowledged", field="code", value=finding.acknowledged_at)
    return None


def _not_a_part(session: Session, finding: Finding) -> RuleError | None:
    if finding.parent_id is not None:  # one level: a sub-item is not split again
        return RuleError("split_twice", field="code", value=finding.code)
    return None


def _parts_done(session: Session, finding: Finding) -> RuleError | None:
    if waiting := open_parts(session, finding):  # 分解: the parts first
        return RuleError("parts_open", field="code", value="、".join(waiting))
    return None


def _no_extension_pending(session: Session, finding: Finding) -> RuleError | None:
    if (asked := pending_extension(session, finding)) is not None:
        return RuleError("extension_pending", field="code", value=asked.to_due.isoformat())
    return None


def _extension_pending(session: Session, finding: Finding) -> RuleError | None:
    if pending_extension(session, finding) is None:
        return RuleError("no_extension", field="code")
    return None


NOT_ACKNOWLEDGED = Guard("not yet acknowledged", _not_acknowledged)
NOT_A_PART = Guard("not a part", _not_a_part)
PARTS_DONE = Guard("its parts done", _parts_done)
NO_EXTENSION_PENDING = Guard("no extension pending", _no_extension_pending)
EXTENSION_PENDING = Guard("an extension pending", _extension_pending)
