"""`rectiflow backup create|verify|restore`: the ledger, the shared folder's files and a
manifest of hashes (the secret kept apart)."""

from pathlib import Path

import typer
from rich.markup import escape

from app.output import out, said

backup_app = typer.Typer(no_args_is_help=True, help="Backups: make one, check one, restore one.")


def backup_create(folder: Path = typer.Argument(..., help="a new (or empty) folder")) -> None:
    """Back up the ledger (while in use) and the shared folder's evidence and notices."""
    from services.backup import create

    done = create(folder)
    out.print(escape(said("backup_made", folder=done.folder, seconds=done.seconds, items=done.items,
                          events=done.events, files=done.files)), soft_wrap=True, highlight=False)


def backup_verify(folder: Path = typer.Argument(..., help="a backup's folder")) -> None:
    """Restore into a scratch place and check the chain, every item and every evidence hash."""
    from services.backup import verify

    done = verify(folder)
    out.print(escape(said("backup_verified", events=done.events, items=done.items, files=done.evidence_files)),
              soft_wrap=True, highlight=False)


def backup_restore(folder: Path = typer.Argument(..., help="a backup's folder")) -> None:
    """Restore into an empty place (the configured ledger and shared folder)."""
    from services.backup import restore

    done = restore(folder)
    out.print(escape(said("restored", seconds=done.seconds, items=done.items, events=done.events, files=done.files,
                          at=done.at)), soft_wrap=True, highlight=False)
