"""Serve every deployment from one process (the embedded stack)."""

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


async def apply_deployments() -> None:
    for d in deployments():
        await d.apply()


def serve_all(*, limit: int) -> None:
    serve(*deployments(), limit=limit, print_starting_message=False)
