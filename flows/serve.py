"""Serve every deployment from one process (the embedded stack)."""

import asyncio

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval

from flows.case import rectification_case
from flows.inspection import monthly_inspection
from flows.intake import file_findings
from flows.notice import monthly_notice
from flows.reconcile import reconcile
from flows.sweep import deadline_sweep

SHANGHAI = "Asia/Shanghai"


def deployments() -> list[RunnerDeployment]:
    return [
        rectification_case.to_deployment(
            name="rectification-case", tags=["rectiflow"],
            description="One run per rectification item: assign, wait, verify, close."),
        file_findings.to_deployment(
            name="file-findings", tags=["rectiflow"],
            description="File one finding and start its case run."),
        deadline_sweep.to_deployment(
            name="deadline-sweep", tags=["rectiflow"], schedule=Cron("0 9 * * *", timezone=SHANGHAI),
            description="09:00 every day; on working days: reminders, escalations, one digest per person."),
        monthly_inspection.to_deployment(
            name="monthly-inspection", tags=["rectiflow"], schedule=Cron("30 8 * * *", timezone=SHANGHAI),
            description="08:30 daily; on the first working day of the month: open the round, send checklists."),
        monthly_notice.to_deployment(
            name="monthly-notice", tags=["rectiflow"], schedule=Cron("0 10 * * *", timezone=SHANGHAI),
            description="10:00 daily; once the month's round has closed: close it, build the notice draft "
                        "(publish: run with publish=true)."),
        reconcile.to_deployment(
            name="reconcile", tags=["rectiflow"], schedule=Interval(300),
            description="Every 5 minutes: start missing case runs, wake missed ones, retry mail."),
    ]


def apply_deployments() -> None:
    """Register the deployments now, so runs can be created before serving starts."""
    built = deployments()  # built outside the event loop: to_deployment dispatches on it

    async def _apply() -> None:
        for d in built:
            await d.apply()

    asyncio.run(_apply())


def serve_all(*, limit: int) -> None:
    serve(*deployments(), limit=limit, print_starting_message=False)
