"""CLI commands for operators: the jobs run now (sweep, reconcile), the audit log, the
outbox, the schema, the calendar, the demo data. Running the system (up, portal, check,
rehearse) is processes/'s."""

import asyncio
import json
from pathlib import Path

import typer
from sqlmodel import col

from app.output import err, lang, out, said, show_mail
from messages import RuleError
from models.audit.chain import verify_chain
from models.deadlines.dates import parse_day, typed_moment
from models.links import anchor_key
from services import context as ctx
from store.db import reading


def sweep_cmd(now: str | None = typer.Option(None, "--now", help="sweep as of this moment (ISO date-time)")) -> None:
    """Run the deadline sweep: reminders, escalations, one digest per person, for a moment."""
    from app.jobs import run_sweep

    at = ctx.now()
    if now is not None:
        at = typed_moment(now, zone=ctx.settings().timezone, now=at, window_days=ctx.settings().due_window_days,
                          field="now")
    result = run_sweep(at)
    if not result.workday:
        out.print(said("not_a_working_day", day=result.day))
        return
    out.print(said("swept", day=result.day, reminders=result.reminders, escalations=len(result.escalated),
                   overdue=len(result.overdue_items), digests=result.digests, deferred=result.deferred))


def reconcile_cmd() -> None:
    """Make ledger and Prefect agree now (the reconcile flow, run here). With Prefect down it
    still sends the mail that is due, says so, and exits 1: the runs wait for Prefect."""
    import os

    from flows.reconcile import reconcile
    from services.case_runs import prefect_reachable
    from services.mail import deliver_due

    if not asyncio.run(prefect_reachable()):
        mail = deliver_due()
        where = os.environ.get("PREFECT_API_URL", "")
        err.print(f"[yellow]![/] {said('prefect_away', where=where, report=mail)}")
        raise typer.Exit(1)
    report = asyncio.run(reconcile())
    out.print(report.summary())


def audit_verify() -> None:
    """Walk the hash chain and its keyed anchor, and check every item against its history;
    exit 1 at the first bad record."""
    from models.audit.items import item_mismatches

    with reading(ctx.database()) as session:
        checked, bad = verify_chain(session, key=anchor_key(ctx.secret()))
        mismatches = item_mismatches(session)
    if bad is not None:
        err.print(f"[red]✗[/] {RuleError('chain_broken', value=bad).render(lang())} ({checked} ok before it)")
    for m in mismatches[:20]:
        err.print(f"[red]✗[/] {said('history_says', code=m.code, field=m.field, row=m.row, events=m.events)}")
    if bad is not None or mismatches:
        raise typer.Exit(1)
    out.print(f"[green]✓[/] audit chain intact and anchored: {checked} events; every item agrees with its history")


def audit_export(out_dir: Path = typer.Argument(..., help="a new (or empty) folder for the bundle")) -> None:
    """The whole audit trail, signed, for the discipline inspection group: events, the chain's
    head and anchor, and verify.py to check it away from the system."""
    from services.audit_export import export_audit

    done = export_audit(out_dir)
    out.print(said("audit_exported", n=done.events, folder=done.folder, public=done.public_key), soft_wrap=True,
              highlight=False)


def audit_key() -> None:
    """The public key that verifies this deployment's audit bundles (hex)."""
    from services.audit_export import audit_key as key

    out.print(said("audit_key", public=key()), soft_wrap=True, highlight=False)


def person_export(email: str = typer.Argument(..., help="the person's e-mail"),
                  out_file: Path | None = typer.Option(None, "--out", help="write the JSON here (default: print it)")
                  ) -> None:
    """Everything the ledger holds about one person, as JSON (个人信息: a person may ask for it)."""
    from app.output import print_json
    from models.people.directory import person_by_email
    from models.people.personal_data import personal_data
    from store.files import write_whole

    with reading(ctx.database()) as session:
        document = personal_data(session, person_by_email(session, email, field="email"))
    if out_file is None:
        print_json(document)
        return
    write_whole(out_file, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
    out.print(said("person_exported", email=email, path=out_file), soft_wrap=True, highlight=False)


def mail_list(failed: bool = typer.Option(False, "--failed", help="only mail that failed for good")) -> None:
    """Mail that failed, and mail waiting for the relay (tried, not yet accepted)."""
    from sqlmodel import select

    from models.items.finding import Finding
    from models.outbox import troubled_mail

    with reading(ctx.database()) as session:
        rows = troubled_mail(session, failed_only=failed, wall=ctx.now())
        ids = {r.finding_id for r in rows if r.finding_id is not None}
        found = session.exec(select(Finding.id, Finding.code).where(col(Finding.id).in_(ids))).all()
        codes = {finding_id: code for finding_id, code in found if finding_id is not None}
    if not rows:
        out.print(said("no_mail_waiting"))
        return
    show_mail(rows, codes, lang(), ctx.settings().timezone)


def mail_retry(ids: list[int] = typer.Argument(None, help="outbox ids (from `rectiflow mail list`)"),
               failed: bool = typer.Option(False, "--failed", help="every mail that failed")) -> None:
    """Send failed (or waiting) mail again now, with a fresh attempt budget."""
    from services.mail import retry

    if not ids and not failed:
        raise RuleError("required", field="ID | --failed")
    again, report = retry(list(ids or []), all_failed=failed)
    out.print(said("queued_again", n=len(again), report=report))


def db_upgrade() -> None:
    """Create the ledger's schema, or bring it to this version (safe to run at any time, and
    from several processes at once); anchor an intact audit chain that has no anchor yet."""
    from services.opening import schema_change, upgrade_ledger

    before, after, anchored = upgrade_ledger(ctx.settings())
    out.print(schema_change(before, after) + ("; audit chain anchored" if anchored else ""))


def calendar_set(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    workday: bool = typer.Option(..., "--workday/--holiday"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Declare a day a working day or a holiday (for years chinesecalendar does not know yet)."""

    from services.organisation import set_calendar_day

    the_day = set_calendar_day(parse_day(day, field="day"), workday=workday, note=note)
    out.print(said("working_day" if workday else "holiday", day=the_day))


def demo() -> None:
    """Load the demo organisation and sample findings into the configured ledger, and start
    their case runs (the embedded stack does this with `up --demo`)."""
    from services.case_runs import start_missing_case_runs
    from services.demo import load_demo

    codes = load_demo()
    started = asyncio.run(start_missing_case_runs())
    out.print(f"demo: filed {', '.join(codes) or 'nothing (findings exist)'}; case runs started: {len(started)}")


def person_forget(email: str = typer.Argument(..., help="the departed person's e-mail"),
                  as_: str = typer.Option(..., "--as", help="the administrator doing it")) -> None:
    """After a person has left: erase their data but what the audit needs (个人信息保护法)."""
    from services.organisation import forget_person

    done = forget_person(email, by_email=as_)
    out.print(said("forgotten", id=done.person_id, channels=done.channels, mails=done.mails, sign_ins=done.sign_ins))
