"""A trivial flow: the baseline for what a served Prefect run costs on this machine."""

from prefect import flow


@flow(name="bench-trivial", persist_result=False)
async def trivial() -> int:
    return 1
