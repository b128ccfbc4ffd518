"""`reconcile`: make the ledger and Prefect agree, and report what it fixed. An automation runs
it when a case run ends under an open item; hourly it runs as a safety net.

- an open item without a case run gets one (filed while Prefect was down);
- a run that ended under an open item (failed, crashed, cancelled from the UI, deleted) is
  replaced, and one stuck in Pending or Running with no process behind it is marked Crashed
  and replaced;
- a run whose item changed since it went idle is woken (a missed resume, a close made
  elsewhere, a run that was busy when woken);
- mail due in the outbox is retried.

A run that found nothing to do tags itself `idle` and removes the idle runs before it, so the
runs list keeps only the reconciles that did something (and the latest, to show it ran).
"""

from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterId,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import StateType
from prefect.runtime import flow_run

from models.deadlines.calendar import local_time
from services import context as ctx
from services.case_runs import Wake, drifted_items, repair_case_runs, start_missing_case_runs, wake_case_run
from services.mail import deliver_due

IDLE = "idle"


def _run_name() -> str:
    return f"对账 reconcile {local_time(flow_run.scheduled_start_time, ctx.settings().timezone, '%m-%d %H:%M')}"


async def tidy_idle_runs() -> int:
    """Tag this run idle; delete the earlier idle reconciles (finished). Returns how many."""
    me = flow_run.id
    async with get_client() as client:
        run = await client.read_flow_run(me)
        await client.update_flow_run(me, tags=[*run.tags, IDLE])
        earlier = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(not_any_=[me]), tags=FlowRunFilterTags(all_=[IDLE]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))),
            flow_filter=FlowFilter(id=FlowFilterId(any_=[run.flow_id])), limit=200)
        for old in earlier:
            await client.delete_flow_run(old.id)
        return len(earlier)


@flow(name="reconcile", flow_run_name=_run_name, persist_result=False)
async def reconcile(stuck_seconds: int | None = None) -> dict:
    """`stuck_seconds`: how long a case run may sit Pending or Running without a heartbeat
    before it is taken for dead (default RECTIFLOW_STUCK_SECONDS; the silent-case-runs
    automation passes its own, shorter window)."""
    log = get_run_logger()
    report: dict[str, list[str]] = {"started": await start_missing_case_runs()}
    stuck = max(10, stuck_seconds) if stuck_seconds is not None else ctx.settings().stuck_seconds
    report.update(await repair_case_runs(stuck_after=timedelta(seconds=stuck)))
    for code in drifted_items():
        outcome = await wake_case_run(code, settle_seconds=0)
        report.setdefault(outcome.value, []).append(code)
    delivered = deliver_due()
    mail = {"sent": len(delivered.sent), "retry": len(delivered.retry), "failed": len(delivered.failed)}
    fixed = {k: v for k, v in report.items() if v and k not in (Wake.pending, Wake.busy)}
    summary = {**{k: len(v) for k, v in report.items()}, "mail": mail, "fixed": fixed}
    if fixed or mail["sent"] or mail["failed"]:
        lines = ["# 对账 Reconcile", ""] + [f"- **{k}**: {', '.join(v)}" for k, v in fixed.items()]
        lines.append(f"- mail: sent {mail['sent']}, to retry {mail['retry']}, failed {mail['failed']}")
        await acreate_markdown_artifact(key="reconcile-report", markdown="\n".join(lines) + "\n",
                                        description="what reconcile repaired")
    if not fixed and not mail["sent"] and not mail["failed"] and flow_run.id:
        summary["tidied"] = await tidy_idle_runs()
    log.info("reconcile: %s", summary)
    return summary
