"""Serve every deployment from one process (the embedded stack)."""

import asyncio

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from flows.case import rectification_case
from flows.intake import file_findings


def deployments() -> list[RunnerDeployment]:
    return [
        rectification_case.to_deployment(
            name="rectification-case", tags=["rectiflow"],
            description="One run per rectification item: assign, wait, verify, close."),
        file_findings.to_deployment(
            name="file-findings", tags=["rectiflow"],
            description="File one finding and start its case run."),
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
