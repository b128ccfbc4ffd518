"""Tasks a case pass runs on the ledger, each one transaction, retried on a lost connection
or a lock (never on a refusal: the input must be fixed)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from messages import RuleError
from models import commands
from models.directory import finding_by_code
from models.finding import State
from models.ledger import ItemView, item_view
from services import context as ctx
from store.db import reading, transaction


def _transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry a lost connection or a lock, never a refusal: the user must fix their input."""
    return not isinstance(state.data, RuleError)


# Case passes must see the ledger as it is now: never reuse an earlier pass's result.
ledger_task = task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE,
                   retry_condition_fn=_transient)


@dataclass(frozen=True)
class Case:
    """The item as a case pass sees it: its view, and the version the pass acts on."""

    id: int
    version: int
    view: ItemView

    @property
    def state(self) -> State:
        return self.view.state


@ledger_task
def load_case(code: str, at: datetime | None = None) -> Case:
    """The item (at a moment, default now): state, owner, due date, colour, events, version."""
    with reading(ctx.ledger()) as session:
        finding = finding_by_code(session, code)
        view = item_view(session, finding, now=at or ctx.now(), policy=ctx.policy())
        assert finding.id is not None
        return Case(finding.id, finding.version, view)


@ledger_task
def settle(code: str, version: int) -> bool:
    """Before the case run goes idle: record the version it acted on, unless the item has
    moved since it was loaded (then the run must go round again)."""
    with transaction(ctx.ledger()) as session:
        finding = finding_by_code(session, code)
        if finding.version != version:
            return False
        finding.suspended_version = version
        session.add(finding)
        return True


@ledger_task
def assign_owner(code: str) -> bool:
    """Assign a filed item to its responsible owner. A no-op once assigned."""
    with transaction(ctx.ledger()) as session:
        finding = finding_by_code(session, code)
        if finding.state is not State.filed:
            return False
        commands.assign(session, actor=None, finding=finding, now=ctx.now(), policy=ctx.policy())
        return True
