"""The deployments, declared once: `rectiflow up` serves them from one process; `prefect.yaml`
(beyond one machine) declares the same, field by field, as tests/flows/test_deployments.py
checks. Schedules run in the bureau's time zone (RECTIFLOW_TIMEZONE; prefect.yaml states the
default, Asia/Shanghai)."""

import asyncio
from dataclasses import dataclass
from typing import Any

from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from flows.backup import nightly_backup
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
    triggers: tuple[dict[str, Any], ...] = ()  # automations that run it, as prefect.yaml writes them
    concurrency_limit: int | None = None
    # Served by `rectiflow up`: at most as many runs at once as its runner takes, so a burst
    # of new runs waits in Prefect's AwaitingConcurrencySlot, not Late (services/case_runs.py).
    paced: bool = False


# A case run that ends while its item is open (crashed with its process, cancelled or failed
# in the UI) is repaired by an automation within seconds: its end event runs reconcile.
REPAIR_TRIGGER: dict[str, Any] = {
    "type": "event",
    "name": "repair-case-runs",
    "enabled": True,
    "expect": ["prefect.flow-run.Crashed", "prefect.flow-run.Cancelled", "prefect.flow-run.Failed"],
    "match_related": {"prefect.resource.role": "flow", "prefect.resource.name": "rectification-case"},
    "posture": "Reactive",
    "threshold": 1,
    "within": 0,
}


# A case run whose process died without a word (kill -9 of a worker, a machine lost) sends no
# end event: it would wait for the hourly reconcile. Prefect's way to see it is a proactive
# trigger on the flow-run heartbeat (PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 on every process that
# serves case runs): after a case run goes Pending (a worker names it Submitting) or Running, or
# beats, some event of it must follow within SILENT_SECONDS; when none does, reconcile runs at
# once with that window, and replaces the run unless it has beaten since (services/case_runs.py).
# Event names carry the state's *name*: each name a live pass may stop at is listed.
SILENT_SECONDS = 120
SILENT_TRIGGER: dict[str, Any] = {
    "type": "event",
    "name": "silent-case-runs",
    "enabled": True,
    "match": {"prefect.resource.id": "prefect.flow-run.*"},
    "match_related": {"prefect.resource.role": "flow", "prefect.resource.name": "rectification-case"},
    "after": ["prefect.flow-run.Pending", "prefect.flow-run.Submitting", "prefect.flow-run.Running",
              "prefect.flow-run.heartbeat"],
    "expect": ["prefect.flow-run.*"],
    "for_each": ["prefect.resource.id"],
    "posture": "Proactive",
    "threshold": 1,
    "within": SILENT_SECONDS,
    "parameters": {"stuck_seconds": SILENT_SECONDS},
}
HEARTBEAT_SECONDS = 30  # well inside SILENT_SECONDS: a live pass always beats in time


DEPLOYMENTS = (
    Declared(rectification_case, "flows.case:rectification_case",
             "One run per rectification item: assign, wait (suspended), verify, close.", paced=True),
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
             "When a case run ends under an open item (automation), and hourly as a safety net: start "
             "missing case runs, replace ended ones, wake missed ones, retry mail.",
             every_seconds=3600, triggers=(REPAIR_TRIGGER, SILENT_TRIGGER), concurrency_limit=1),
    Declared(nightly_backup, "flows.backup:nightly_backup",
             "02:30 every day: the ledger, the shared folder's files and a manifest of hashes (the secret kept "
             "apart); the newest RECTIFLOW_BACKUP_KEEP kept.", cron="30 2 * * *", concurrency_limit=1),
)


def _trigger(spec: dict[str, Any]) -> DeploymentEventTrigger:
    fields = {k: v for k, v in spec.items() if k != "type"}
    return DeploymentEventTrigger(**fields)


def deployments(*, runner_limit: int | None = None) -> list[RunnerDeployment]:
    """`runner_limit`: the serving runner's limit, which paced deployments take as theirs."""
    timezone = ctx.settings().timezone
    built = []
    for d in DEPLOYMENTS:
        schedule = Cron(d.cron, timezone=timezone) if d.cron else Interval(d.every_seconds) if d.every_seconds \
            else None
        options: dict[str, Any] = {"schedule": schedule} if schedule else {}
        if d.triggers:
            options["triggers"] = [_trigger(t) for t in d.triggers]
        if d.concurrency_limit:
            options["concurrency_limit"] = d.concurrency_limit
        elif d.paced and runner_limit:
            options["concurrency_limit"] = runner_limit
        deployment = d.flow.to_deployment(name=d.flow.name, tags=TAGS, description=d.description, **options)
        assert isinstance(deployment, RunnerDeployment), "called outside an event loop: built, not awaitable"
        built.append(deployment)
    return built


def apply_deployments(*, runner_limit: int | None = None) -> None:
    """Register the deployments now, so runs can be created before serving starts."""
    built = deployments(runner_limit=runner_limit)  # outside the event loop: to_deployment dispatches on it

    async def _apply() -> None:
        for d in built:
            await d.aapply()

    asyncio.run(_apply())


def serve_all(*, limit: int) -> None:
    serve(*deployments(runner_limit=limit), limit=limit, print_starting_message=False)
