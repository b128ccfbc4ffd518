"""Tasks that read or change the ledger, each in one transaction."""

from datetime import UTC, datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine, update
from sqlmodel import select

from models import commands
from models.db import transaction
from models.directory import finding_by_code, person_by_email
from models.errors import RuleError
from models.finding import Finding, State
from models.ledger import item_view
from models.opening import ledger_for
from models.policy import Policy
from models.settings import get_settings


def _transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry a lost connection or a lock, never a refusal: the user must fix their input."""
    return not isinstance(state.data, RuleError)


# Case passes must see the ledger as it is now: never reuse an earlier pass's result.
ledger_task = task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE,
                   retry_condition_fn=_transient)


def ledger() -> Engine:
    return ledger_for(get_settings())


def now() -> datetime:
    return datetime.now(UTC)


@ledger_task
def load_case(code: str, at: str = "") -> dict[str, Any]:
    """The item as the case flow sees it (at a moment, default now): state, owner, due
    date, colour, events, version."""
    with transaction(ledger()) as session:
        finding = finding_by_code(session, code)
        when = datetime.fromisoformat(at) if at else now()
        view = item_view(session, finding, now=when, policy=Policy.from_settings())
        return {**view.as_json(), "version": finding.version, "id": finding.id}


@ledger_task
def settle(code: str, version: int) -> bool:
    """Before the case run goes idle: record the version it acted on, unless the item has
    moved since it was loaded (then the run must go round again)."""
    with transaction(ledger()) as session:
        finding = finding_by_code(session, code)
        if finding.version != version:
            return False
        finding.suspended_version = version
        session.add(finding)
        return True


@ledger_task
def assign_owner(code: str) -> bool:
    """Assign a filed item to its responsible owner. A no-op once assigned."""
    with transaction(ledger()) as session:
        finding = finding_by_code(session, code)
        if finding.state is not State.filed:
            return False
        commands.assign(session, actor=None, finding=finding, now=now(), policy=Policy.from_settings())
        return True


@ledger_task
def file_one(*, unit: str, manifestation: str, title: str, inspector: str, detail: str = "",
             deadline_class: str = "", owner: str = "") -> str:
    with transaction(ledger()) as session:
        finding = commands.file_finding(
            session, actor=person_by_email(session, inspector, field="inspector"), unit=unit,
            manifestation=manifestation, title=title, detail=detail,
            deadline_class=deadline_class or None, owner=owner or None, now=now(),
            policy=Policy.from_settings())
        return finding.code


def record_run(engine: Engine, code: str, *, flow_run_id: str | None, note: str = "") -> None:
    """Remember the item's case run, or why it has none (reconcile starts it later)."""
    with transaction(engine) as session:
        values: dict[str, Any] = {"run_note": note[:500]}
        if flow_run_id:
            values["flow_run_id"] = flow_run_id
        session.execute(update(Finding).where(Finding.code == code).values(**values))


@ledger_task
def drifted_items() -> list[str]:
    """Items whose case run has not acted on their latest change: a missed resume, a
    close made elsewhere, a run busy when it was woken."""
    with transaction(ledger()) as session:
        return list(session.exec(select(Finding.code).where(
            Finding.flow_run_id.is_not(None),  # type: ignore[union-attr]
            Finding.version != Finding.suspended_version).order_by(Finding.id)))
