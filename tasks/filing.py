"""Filing from the Prefect UI's form, one effect per task: the finding in the ledger, then
its case run started."""

from prefect import task
from prefect.cache_policies import NO_CACHE

from services.case_runs import start_new_case_run
from services.filing import record_finding


# Never retried: a retry after a commit whose answer was lost would file the finding twice
# (the run fails instead, and the inspector sees it did or did not file in the ledger).
@task(cache_policy=NO_CACHE)
def record_finding_task(unit: str, manifestation: str, title: str, inspector: str, detail: str,
                        deadline_class: str, owner: str) -> str:
    """The finding, filed in the ledger by the inspector named. Returns its code."""
    return record_finding(actor=inspector, unit=unit, manifestation=manifestation, title=title, detail=detail,
                          deadline_class=deadline_class or None, owner=owner or None, actor_field="inspector")


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
async def start_case_run_task(code: str) -> str | None:
    """The item's case run, started (none when Prefect refuses: reconcile starts it later)."""
    return await start_new_case_run(code)
