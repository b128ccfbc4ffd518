"""CLI commands for the deployment's secrets and its admins' access: sealing a setting,
rotating the secret, enrolling an admin's second factor, listing and ending sessions."""

import sys
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from app.output import out, said
from services import context as ctx

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


admin_app = typer.Typer(no_args_is_help=True, help="Administrators: second factor, break-glass sign-in, sessions.")


def admin_second_factor(email: str = typer.Argument(..., help="the administrator's e-mail")) -> None:
    """Enrol (or replace) an administrator's second factor: show them the key once, in person."""
    from services.second_factor import enrol

    done = enrol(email)
    out.print(escape(said("second_factor_enrolled", email=done.email, seed=done.seed, uri=done.uri)),
              soft_wrap=True, highlight=False)


def admin_sign_in(email: str = typer.Argument(..., help="the administrator's e-mail")) -> None:
    """Break-glass: a one-time sign-in link printed here, not mailed (the identity platform or
    the mail relay is down). Recorded as a `code` sign-in; the second factor is still asked."""
    from services.access import break_glass

    out.print(escape(said("break_glass", link=break_glass(email))), soft_wrap=True, highlight=False)


def admin_sessions(email: str = typer.Option("", "--email", help="only this person's sessions")) -> None:
    """The portal sessions that hold now, newest first (one line each, to read or to grep)."""
    from services.signin import list_sessions

    zone = ZoneInfo(ctx.settings().timezone)
    out.print(escape(said("sessions_title")), highlight=False)
    out.print("\t".join(said(f"col_{c}") for c in ("ref", "email", "name", "method", "address", "started",
                                                   "last_seen")), highlight=False)
    for s in list_sessions(email):
        out.print(escape("\t".join((s.ref, s.email, s.name, s.method, s.address or "-",
                                    f"{s.started_at.astimezone(zone):%Y-%m-%d %H:%M}",
                                    f"{s.last_seen_at.astimezone(zone):%Y-%m-%d %H:%M}"))),
                  soft_wrap=True, highlight=False)


def admin_end_session(ref: str = typer.Argument("", help="a session's reference (from `admin sessions`)"),
                      email: str = typer.Option("", "--email", help="end every session of this person"),
                      as_: str = typer.Option(..., "--as", help="the administrator ending it")) -> None:
    """End a session (or all of a person's) at once: its cookie opens nothing any more."""
    from models.people.directory import person_by_email
    from services.signin import revoke
    from store.db import reading

    with reading(ctx.database()) as session:
        admin = person_by_email(session, as_)
    out.print(escape(said("sessions_ended", n=revoke(by=admin, ref=ref, email=email))))


def audit_prune(keep_days: int = typer.Option(None, "--keep-days", help="at least RECTIFLOW_AUDIT_RETENTION_DAYS")
                ) -> None:
    """Remove sign-in records, ended sessions and used links older than the retention period."""
    from services.retention import prune

    done = prune(keep_days)
    out.print(escape(said("pruned", days=done.days, attempts=done.attempts, sessions=done.sessions,
                          tokens=done.tokens, mails=done.mail_texts)))
