"""The case pass's steps on the ledger as tasks, each one transaction (services/case_pass.py),
retried on a lost connection or a lock (never on a refusal: the input must be fixed)."""

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from messages import RuleError
from services import case_pass
from services.case_pass import Case


def _transient(_task: Any, _run: Any, state: Any) -> bool:
    """Retry a lost connection or a lock, never a refusal: the user must fix their input."""
    return not isinstance(state.data, RuleError)


# Case passes must see the ledger as it is now: never reuse an earlier pass's result.
ledger_task = task(retries=3, retry_delay_seconds=[1, 5, 15], cache_policy=NO_CACHE,
                   retry_condition_fn=_transient)


@ledger_task
def load_case(code: str, at: datetime | None = None) -> Case:
    return case_pass.load_case(code, at)


@ledger_task
def open_case(code: str) -> Case:
    """Assign a filed item, then read it: one transaction, one task run."""
    return case_pass.open_case(code)


@ledger_task
def settle(code: str, version: int) -> bool:
    return case_pass.settle(code, version)
