"""`file-findings`: file one finding (flat parameters, so the Prefect UI's run form works)
and start its case run: the same use case as the CLI's `file` and the portal's form."""

from prefect import flow, get_run_logger

from services.filing import file_finding


@flow(name="file-findings", persist_result=False)
async def file_findings(unit: str, manifestation: str, title: str, inspector: str, detail: str = "",
                        deadline_class: str = "", owner: str = "") -> str:
    """unit: unit code (e.g. zb-xinxi); manifestation: negative-list id (e.g. lan-1);
    inspector: the filer's email; deadline_class: immediate / limited / long (default: the
    manifestation's); owner: an email, default the unit's branch secretary."""
    filed = await file_finding(actor=inspector, unit=unit, manifestation=manifestation, title=title,
                               detail=detail, deadline_class=deadline_class, owner=owner,
                               actor_field="inspector")
    get_run_logger().info("filed %s, case run %s", filed.code, filed.run_id or "pending (reconcile starts it)")
    return filed.code
