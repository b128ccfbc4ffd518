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

from dataclasses import replace

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from models.deadlines.calendar import local_time
from services import context as ctx
from tasks.mail import deliver_mail
from tasks.reconcile import (
    ReconcileReport,
    repair_runs,
    start_missing_runs,
    tidy_idle_reconciles,
    wake_drifted_runs,
    write_reconcile_report,
)


def _run_name() -> str:
    return f"对账 reconcile {local_time(flow_run.scheduled_start_time, ctx.settings().timezone, '%m-%d %H:%M')}"


@flow(name="reconcile", flow_run_name=_run_name, persist_result=False)
async def reconcile(stuck_seconds: int | None = None) -> ReconcileReport:
    """`stuck_seconds`: how long a case run may sit Pending or Running without a heartbeat
    before it is taken for dead (default RECTIFLOW_STUCK_SECONDS; the silent-case-runs
    automation passes its own, shorter window)."""
    log = get_run_logger()
    stuck = max(10, stuck_seconds) if stuck_seconds is not None else ctx.settings().stuck_seconds
    outcomes = {"started": await start_missing_runs()}
    outcomes.update(await repair_runs(stuck))
    outcomes.update(await wake_drifted_runs())
    report = ReconcileReport(outcomes, mail=deliver_mail())
    if report.acted:
        write_reconcile_report(report)
    elif flow_run.id:
        report = replace(report, tidied=await tidy_idle_reconciles())
    log.info("reconcile: %s, mail %s, fixed %s, tidied %d", report.counts(), report.mail, report.fixed,
             report.tidied)
    return report
