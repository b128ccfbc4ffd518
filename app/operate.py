"""CLI commands for operators: the jobs run now (sweep, reconcile), the audit log, the
outbox, the schema, the calendar, and the processes (up, portal, check, rehearse, demo)."""

import asyncio
from pathlib import Path

import typer
from sqlmodel import col

from app.output import err, lang, out, said, show_mail
from app.preflight import ProcessKind, run_checks
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


def up(
    demo: bool = typer.Option(False, "--demo", help="load the demo organisation and sample findings"),
    limit: int = typer.Option(4, "--limit", help="case passes run at once"),
) -> None:
    """The embedded stack: Prefect server + UI, every deployment served, the SMTP sink."""
    from app.stack import run_stack

    run_stack(demo=demo, limit=limit)


def demo() -> None:
    """Load the demo organisation and sample findings into the configured ledger, and start
    their case runs (the embedded stack does this with `up --demo`)."""
    from services.case_runs import start_missing_case_runs
    from services.demo import load_demo

    codes = load_demo()
    started = asyncio.run(start_missing_case_runs())
    out.print(f"demo: filed {', '.join(codes) or 'nothing (findings exist)'}; case runs started: {len(started)}")


def rehearse(
    data: Path = typer.Option(Path(".rectiflow-topology"), "--data", help="logs, mail and each process's folder"),
    postgres: str = typer.Option("postgresql://postgres@127.0.0.1:5432", "--postgres", help="PostgreSQL server"),
    redis: str = typer.Option("redis://127.0.0.1:6379/10", "--redis", help="Redis (messaging; docket: next db)"),
    base_port: int = typer.Option(4400, "--base-port", min=1024, max=65000),
    apis: int = typer.Option(2, "--apis", min=1, max=8),
    workers: int = typer.Option(2, "--workers", min=1, max=8),
    portals: int = typer.Option(2, "--portals", min=1, max=8),
    prefix: str = typer.Option("rectiflow_rehearsal", "--prefix", help="its databases: <prefix>_prefect, _ledger"),
    relay: str = typer.Option("", "--relay", help="host:port of an SMTP relay (default: a mail sink of its own)"),
    fresh: bool = typer.Option(False, "--fresh", help="drop the rehearsal's databases first"),
    with_demo: bool = typer.Option(False, "--demo", help="load the demo organisation and sample findings"),
    org: Path | None = typer.Option(None, "--org", exists=True, dir_okay=False,
                                    help="load this organisation (YAML) before the workers start"),
) -> None:
    """Prefect's self-hosting topology on this machine: API processes on PostgreSQL and Redis,
    one services process, workers from prefect.yaml, portals; every process a real command."""
    import re

    from app.rehearsal import bring_up
    from app.topology import Plan

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise typer.BadParameter("lower-case letters, digits and _ (at most 41)", param_hint="--prefix")
    if relay and not re.fullmatch(r"[A-Za-z0-9.\-]{1,200}:\d{1,5}", relay):
        raise typer.BadParameter("host:port", param_hint="--relay")

    plan = Plan(data_dir=data.resolve(), postgres=postgres.rstrip("/"), redis=redis, base_port=base_port,
                apis=apis, workers=workers, portals=portals, prefix=prefix, relay=relay)
    bring_up(plan, fresh=fresh, demo=with_demo, org=org)


def check_cmd(role: ProcessKind = typer.Option(ProcessKind.worker, "--role", help="what this machine runs")) -> None:
    """Before a worker or portal starts beyond one machine: the ledger, the secret, the shared
    folder, the organisation, Prefect's API and the mail relay. Exit 2 if it cannot work."""
    checks = run_checks(ctx.settings(), role)
    for c in checks:
        mark = "[green]✓[/]" if c.problem is None else "[yellow]![/]" if c.warning else "[red]✗[/]"
        out.print(f"{mark} {c.what}" + (f": {c.problem}" if c.problem else ""), soft_wrap=True, highlight=False)
    if any(c.problem and not c.warning for c in checks):
        raise SystemExit(2)


def portal(
    host: str | None = typer.Option(None, "--host", help="default RECTIFLOW_PORTAL_HOST"),
    port: int | None = typer.Option(None, "--port", help="default RECTIFLOW_PORTAL_PORT"),
) -> None:
    """Serve the portal alone (beyond one machine: several behind a load balancer, all with the
    same RECTIFLOW_SECRET_KEY and ledger). `rectiflow up` serves it already."""
    import uvicorn

    from app.web.main import create_app

    settings = ctx.settings()
    uvicorn.run(create_app(), host=host or settings.portal_host, port=port or settings.portal_port,
                log_level="info", proxy_headers=True)
