"""`backup`: every night at 02:30 in the bureau's time zone, a backup of the ledger and the
shared folder (`rectiflow backup create`, scheduled), the oldest beyond RECTIFLOW_BACKUP_KEEP
removed. Restore with `rectiflow backup restore FOLDER` (deploy/SECURITY.md)."""

from prefect import flow, get_run_logger

from tasks.backup import BackupMade, make_backup


@flow(name="backup", flow_run_name="备份 backup", persist_result=False)
async def nightly_backup() -> BackupMade:
    made = make_backup()
    get_run_logger().info("backed up to %s in %.1f s: %d items, %d audit events, %d files", made.folder,
                          made.seconds, made.items, made.events, made.files)
    return made
