"""The deployments, declared once: `rectiflow up` serves them from one process; `prefect.yaml`
(beyond one machine) declares the same, field by field, as tests/flows/test_deployments.py
checks. Schedules run in the bureau's time zone (RECTIFLOW_TIMEZONE; prefect.yaml states the
default, Asia/Shanghai)."""

import asyncio
from dataclasses import dataclass

from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval

from flows.case import rectification_case
from flows.inspection import monthly_inspection
from flows.intake import file_findings
from flows.notice import monthly_notice
from flows.reconcile import reconcile
from flows.sweep import deadline_sweep
from services import context as ctx

TAGS = ["rectiflow"]


@dataclass(frozen=True)
class Declared:
    flow: Flow
    entrypoint: str  # as prefect.yaml names it
    description: str
    cron: str = ""  # in the bureau's time zone
    every_seconds: int = 0


DEPLOYMENTS = (
    Declared(rectification_case, "flows.case:rectification_case",
             "One run per rectification item: assign, wait (suspended), verify, close."),
    Declared(file_findings, "flows.intake:file_findings",
             "File one finding (flat parameters for the run form) and start its case run."),
    Declared(deadline_sweep, "flows.sweep:deadline_sweep",
             "09:00 every day; on working days: reminders, escalations, one digest per person.", cron="0 9 * * *"),
    Declared(monthly_inspection, "flows.inspection:monthly_inspection",
             "08:30 daily; on the first working day of the month: open the round, send checklists.",
             cron="30 8 * * *"),
    Declared(monthly_notice, "flows.notice:monthly_notice",
             "10:00 daily; once the month's round has closed: close it, build the notice draft "
             "(publish: run with publish=true).", cron="0 10 * * *"),
    Declared(reconcile, "flows.reconcile:reconcile",
             "Every 5 minutes: start missing case runs, wake missed ones, retry mail.", every_seconds=300),
)


def deployments() -> list[RunnerDeployment]:
    timezone = ctx.settings().timezone
    built = []
    for d in DEPLOYMENTS:
        schedule = Cron(d.cron, timezone=timezone) if d.cron else Interval(d.every_seconds) if d.every_seconds \
            else None
        built.append(d.flow.to_deployment(name=d.flow.name, tags=TAGS, description=d.description,
                                          **({"schedule": schedule} if schedule else {})))
    return built


def apply_deployments() -> None:
    """Register the deployments now, so runs can be created before serving starts."""
    built = deployments()  # built outside the event loop: to_deployment dispatches on it

    async def _apply() -> None:
        for d in built:
            await d.apply()

    asyncio.run(_apply())


def serve_all(*, limit: int) -> None:
    serve(*deployments(), limit=limit, print_starting_message=False)
