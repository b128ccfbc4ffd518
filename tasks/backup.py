"""The nightly backup, as one task: the ledger, the shared folder's files and a manifest."""

from prefect import task

from services.backup import BackupMade, nightly

__all__ = ["BackupMade", "make_backup"]


@task(name="make-backup", persist_result=False)
def make_backup() -> BackupMade:
    return nightly()
