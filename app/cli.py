"""`rectiflow`: the command line for inspectors, owners, verifiers and operators.

This module only declares the commands; each lives with its concern (app/items.py,
app/operate.py, app/sheets.py, app/round.py, app/notice.py, app/compliance.py) and calls
its use case in services/. A refusal prints what was wrong and exits 2.
"""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import typer
from rich.markup import escape

from app.output import err, lang, out
from messages import RuleError
from models.people.orgfile import OrgFileError
from services import context as ctx
from store.settings import SettingsError, placeholders

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="rectiflow — 整改事项督办 (rectification items on Prefect)")
org_app = typer.Typer(no_args_is_help=True, help="The organisation: units, people, roles.")
audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
db_app = typer.Typer(no_args_is_help=True, help="The ledger's database: its schema, by migrations.")
mail_app = typer.Typer(no_args_is_help=True, help="The outbox: mail waiting for the relay, or failed.")
calendar_app = typer.Typer(no_args_is_help=True, help="Working-day calendar overrides.")
app.add_typer(org_app, name="org")
app.add_typer(audit_app, name="audit")
app.add_typer(calendar_app, name="calendar")
app.add_typer(db_app, name="db")
app.add_typer(mail_app, name="mail")

P = ParamSpec("P")
R = TypeVar("R")


def refusals(fn: Callable[P, R]) -> Callable[P, R]:
    """A user's mistake is a message and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except RuleError as exc:
            err.print(f"[red]✗[/] {escape(exc.render(lang(), zone=ctx.settings().timezone))}")
            raise typer.Exit(2) from None
        except OrgFileError as exc:
            err.print(f"[red]✗[/] {escape(str(exc.source))}:")
            for problem in exc.problems:
                err.print(f"  - {escape(problem)}")
            raise typer.Exit(2) from None

    return wrapper


def org_load(file: Path = typer.Argument(..., help="organisation YAML (units, people, roles)")) -> None:
    """Load or update the organisation from a YAML file (all-or-nothing)."""
    from services.organisation import load

    summary = load(file)
    out.print(f"{summary.units} units, {summary.people} people, {summary.roles} roles loaded from {escape(str(file))}")


def _register() -> None:
    from app import backup, items, operate, security
    from app.absences import absence_app, absence_declare, absence_end, absence_list
    from app.backup import backup_app
    from app.clock import clock_ahead, clock_app, clock_reset, clock_show
    from app.compliance import compliance
    from app.notice import notice_app, notice_build, notice_show
    from app.round import round_app, round_assign, round_close, round_open
    from app.security import admin_app, secrets_app
    from app.sheets import import_findings, record_round

    org_app.command("load")(refusals(org_load))
    for name, fn in (("file", items.file_cmd), ("ack", items.acknowledge), ("split", items.split_cmd),
                     ("submit", items.submit), ("review", items.review),
                     ("withdraw", items.withdraw), ("reassign", items.reassign), ("extend", items.extend),
                     ("extension", items.extension), ("sweep", operate.sweep_cmd),
                     ("reconcile", operate.reconcile_cmd), ("show", items.show), ("ledger", items.ledger),
                     ("import", import_findings), ("compliance", compliance)):
        app.command(name)(refusals(fn))
    absence_app.command("declare")(refusals(absence_declare))
    absence_app.command("end")(refusals(absence_end))
    absence_app.command("list")(refusals(absence_list))
    app.add_typer(absence_app, name="absence")
    audit_app.command("verify")(refusals(operate.audit_verify))
    audit_app.command("export")(refusals(operate.audit_export))
    audit_app.command("key")(refusals(operate.audit_key))
    audit_app.command("prune")(refusals(security.audit_prune))
    org_app.command("export-person")(refusals(operate.person_export))
    org_app.command("forget")(refusals(operate.person_forget))
    secrets_app.command("seal")(refusals(security.secrets_seal))
    secrets_app.command("rotate")(refusals(security.secrets_rotate))
    app.add_typer(secrets_app, name="secrets")
    for name, fn in (("second-factor", security.admin_second_factor), ("sign-in", security.admin_sign_in),
                     ("sessions", security.admin_sessions), ("end-session", security.admin_end_session)):
        admin_app.command(name)(refusals(fn))
    app.add_typer(admin_app, name="admin")
    for name, fn in (("create", backup.backup_create), ("verify", backup.backup_verify),
                     ("restore", backup.backup_restore)):
        backup_app.command(name)(refusals(fn))
    app.add_typer(backup_app, name="backup")
    mail_app.command("list")(refusals(operate.mail_list))
    mail_app.command("retry")(refusals(operate.mail_retry))
    db_app.command("upgrade")(refusals(operate.db_upgrade))
    calendar_app.command("set")(refusals(operate.calendar_set))
    for name, fn in (("open", round_open), ("assign", round_assign), ("close", round_close), ("record", record_round)):
        round_app.command(name)(refusals(fn))
    app.add_typer(round_app, name="round")
    notice_app.command("build")(refusals(notice_build))
    notice_app.command("show")(refusals(notice_show))
    app.add_typer(notice_app, name="notice")
    for name, fn in (("ahead", clock_ahead), ("show", clock_show), ("reset", clock_reset)):
        clock_app.command(name)(refusals(fn))
    app.add_typer(clock_app, name="clock")
    app.command("demo")(operate.demo)


_register()


def main() -> None:
    import os
    import sys

    from app.context import prefect_defaults

    # What rectiflow and the processes it starts (its Prefect server, served runs) create is
    # owner-only: the ledger, mail and messages hold sign-in links, robot keys and people's data.
    os.umask(0o077)
    try:  # every setting is checked before anything is done, naming the variable at fault
        settings = ctx.settings()
        if shipped := placeholders(os.environ):
            raise SettingsError(shipped)
    except SettingsError as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/] {escape(problem)}")
        raise SystemExit(2) from None
    prefect_defaults(settings, quiet=sys.argv[1:2] != ["up"])
    app()


if __name__ == "__main__":
    main()
