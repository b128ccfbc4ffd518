"""`file-findings`: file one finding (flat parameters, so the Prefect UI's run form works)
and start its case run: the same use case as the CLI's `file` and the portal's form."""

from prefect import flow, get_run_logger

from tasks.filing import record_finding_task, start_case_run_task


@flow(name="file-findings", persist_result=False)
async def file_findings(unit: str, manifestation: str, title: str, inspector: str, detail: str = "",
                        deadline_class: str = "", owner: str = "") -> str:
    """unit: unit code (e.g. zb-xinxi); manifestation: negative-list id (e.g. lan-1);
    inspector: the filer's email; deadline_class: immediate / limited / long (default: the
    manifestation's); owner: an email, default the unit's branch secretary."""
    code = record_finding_task(unit, manifestation, title, inspector, detail, deadline_class, owner)
    run_id = await start_case_run_task(code)
    get_run_logger().info("filed %s, case run %s", code, run_id or "pending (reconcile starts it)")
    return code
