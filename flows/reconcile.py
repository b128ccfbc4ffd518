"""`reconcile`: every few minutes, make the ledger and Prefect agree, and report what it fixed.

- an open item without a case run gets one (filed while Prefect was down);
- a run that ended under an open item (failed, crashed, cancelled from the UI, deleted) is
  replaced, and one stuck in Pending or Running with no process behind it is marked Crashed
  and replaced;
- a run whose item changed since it went idle is woken (a missed resume, a close made
  elsewhere, a run that was busy when woken);
- mail due in the outbox is retried.
"""

from datetime import timedelta

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact

from services import context as ctx
from services.case_runs import Wake, drifted_items, repair_case_runs, start_missing_case_runs, wake_case_run
from services.mail import deliver_due


@flow(name="reconcile", persist_result=False)
async def reconcile() -> dict:
    log = get_run_logger()
    report: dict[str, list[str]] = {"started": await start_missing_case_runs()}
    report.update(await repair_case_runs(stuck_after=timedelta(seconds=ctx.settings().stuck_seconds)))
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
    log.info("reconcile: %s", summary)
    return summary
