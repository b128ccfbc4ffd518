"""CLI commands for the deployment's secrets and its admins' access: sealing a setting,
rotating the secret, enrolling an admin's second factor, listing and ending sessions."""

import sys

import typer
from rich.markup import escape

from app.output import out, said

secrets_app = typer.Typer(no_args_is_help=True, help="Secrets at rest: sealed settings, key rotation.")


def secrets_seal() -> None:
    """Seal a value read from standard input (e.g. the OIDC client secret) for rectiflow.env."""
    from services.secrets import seal_setting

    out.print(seal_setting(sys.stdin.read().strip()), soft_wrap=True, highlight=False)


def secrets_rotate() -> None:
    """Re-seal every secret under RECTIFLOW_SECRET_KEY, reading what RECTIFLOW_PREVIOUS_SECRET_KEY
    sealed, and re-anchor the audit chain under the new secret."""
    from services.secrets import rotate

    done = rotate()
    out.print(escape(said("secrets_rotated", n=done.resealed, anchored=said("yes" if done.reanchored else "no"))))
    if done.previous_set:
        out.print(escape(said("secrets_remove_previous")))
