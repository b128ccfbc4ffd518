"""`rectiflow`: the command line for inspectors, owners, verifiers and operators.

Every command that changes an item applies one lifecycle command in one transaction,
then wakes the item's case run. A refusal prints what was wrong and exits 2.
"""

import asyncio
import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from app import context as ctx
from app.output import err, out, print_json, show_item, show_ledger
from models import commands
from models.audit import verify_chain
from models.catalogue import load_negative_list
from models.dates import near_day, near_moment
from models.db import reading, transaction
from models.directory import finding_by_code, person_by_email
from models.errors import RuleError
from models.evidence import StoredFile, store_file
from models.extension import decide_extension, request_extension
from models.ledger import item_view, ledger_views
from models.orgfile import OrgFileError, load_org
from models.settings import SettingsError
from models.text import clean_text

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

F = TypeVar("F", bound=Callable[..., Any])


def lang() -> str:
    return ctx.settings().language


def refusals(fn: F) -> F:
    """A user's mistake is a message and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RuleError as exc:
            err.print(f"[red]✗[/] {exc.render(lang())}")
            raise typer.Exit(2) from None
        except OrgFileError as exc:
            err.print(f"[red]✗[/] {exc.source}:")
            for problem in exc.problems:
                err.print(f"  - {problem}")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def parse_day(value: str | None, *, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RuleError("bad_date", field=field, value=value) from None


def wake(code: str) -> None:
    """Tell the item's case run that the ledger changed."""
    from flows.control import wake_case_run

    result = asyncio.run(wake_case_run(ctx.ledger(), code))
    if result in ("unreachable", "busy"):
        msg = ("已记入台账；流程服务暂不可达，稍后由 reconcile 自动补发。" if lang() == "zh"
               else "recorded in the ledger; Prefect is unreachable, reconcile will catch up.")
        err.print(f"[yellow]![/] {code}: {msg}")


def act(code: str, actor_email: str, apply: Callable[..., Any], **kwargs: Any) -> None:
    with transaction(ctx.ledger()) as session:
        finding = finding_by_code(session, code)
        actor = person_by_email(session, actor_email)
        apply(session, actor=actor, finding=finding, now=ctx.now(), policy=ctx.policy(), **kwargs)
        code = finding.code
    wake(code)
    with transaction(ctx.ledger()) as session:
        view = item_view(session, finding_by_code(session, code), now=ctx.now(), policy=ctx.policy(),
                         with_events=False)
    out.print(f"{view.code} {view.state_label}")


@org_app.command("load")
@refusals
def org_load(file: Path = typer.Argument(..., help="organisation YAML (units, people, roles)")) -> None:
    """Load or update the organisation from a YAML file (all-or-nothing)."""
    with transaction(ctx.ledger()) as session:
        load_negative_list(session, path=ctx.settings().negative_list_file)
        summary = load_org(session, path=file)
    out.print(f"{summary.units} units, {summary.people} people, {summary.roles} roles loaded from {file}")


@app.command("file")
@refusals
def file_cmd(
    unit: str = typer.Option(..., "--unit", help="unit code, e.g. zb-xinxi"),
    manifestation: str = typer.Option(..., "--manifestation", help="negative-list id, e.g. lan-1"),
    title: str = typer.Option(..., "--title"),
    detail: str = typer.Option("", "--detail"),
    deadline_class: str | None = typer.Option(None, "--class", help="immediate | limited | long"),
    owner: str | None = typer.Option(None, "--owner", help="owner email (default: branch secretary)"),
    actor: str = typer.Option(..., "--as", help="your email"),
) -> None:
    """File a finding (立项). Prints its code; its case run assigns and mails the owner."""
    from flows.control import start_case_run

    with transaction(ctx.ledger()) as session:
        finding = commands.file_finding(
            session, actor=person_by_email(session, actor), unit=unit, manifestation=manifestation,
            title=title, detail=detail, deadline_class=deadline_class, owner=owner, now=ctx.now(),
            policy=ctx.policy())
        code = finding.code
    print(code)
    if asyncio.run(start_case_run(ctx.ledger(), code)) is None:
        msg = ("已立项；流程服务暂不可达，案件流程稍后由 reconcile 启动。" if lang() == "zh"
               else "filed; Prefect is unreachable, reconcile will start the case run.")
        err.print(f"[yellow]![/] {code}: {msg}")


@app.command()
@refusals
def submit(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as", help="your email (the owner)"),
    note: str = typer.Option(..., "--note", help="what was done (整改情况说明)"),
    files: list[Path] = typer.Option([], "--file", help="evidence file; repeat for several"),
) -> None:
    """Submit evidence for verification (提交整改材料)."""
    settings = ctx.settings()
    stored: list[StoredFile] = [store_file(settings.evidence_dir, f, max_bytes=settings.max_evidence_bytes)
                                for f in files]
    act(code, actor, commands.submit, account=note, files=stored)


@app.command()
@refusals
def review(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as", help="your email (not the owner)"),
    accept: bool = typer.Option(False, "--accept", help="accept and close (销号)"),
    return_reason: str | None = typer.Option(None, "--return", help="return with this reason (退回)"),
    due: str | None = typer.Option(None, "--due", help="new due date YYYY-MM-DD when returning"),
) -> None:
    """Verify submitted evidence: --accept, or --return REASON [--due DATE]."""
    if accept == (return_reason is not None):
        raise RuleError("required", field="--accept | --return")
    if accept:
        if due is not None:
            raise RuleError("bad_date", field="due", value=f"{due} (only with --return)")
        act(code, actor, commands.accept)
    else:
        act(code, actor, commands.return_item, reason=return_reason or "",
            new_due=parse_day(due, field="due"))


@app.command()
@refusals
def withdraw(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as"),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Withdraw an item filed in error (撤销); inspectors only, reason required."""
    act(code, actor, commands.withdraw, reason=reason)


@app.command()
@refusals
def reassign(
    code: str | None = typer.Argument(None, help="one item; or use --from for all of a person's"),
    from_email: str | None = typer.Option(None, "--from", help="move every open item of this person"),
    to: str = typer.Option(..., "--to", help="new owner's email"),
    actor: str = typer.Option(..., "--as"),
    reason: str = typer.Option("", "--reason"),
) -> None:
    """Move an item, or all open items of a departed owner (--from), to another owner (改派)."""
    if (code is None) == (from_email is None):
        raise RuleError("required", field="CODE | --from")
    if code is not None:
        act(code, actor, commands.reassign, to=to, reason=reason)
        return
    with transaction(ctx.ledger()) as session:
        moved = commands.reassign_all(session, actor=person_by_email(session, actor), from_email=from_email or "",
                                      to=to, now=ctx.now(), policy=ctx.policy(), reason=reason)
    for item in moved:
        wake(item)
    out.print(f"{len(moved)}: {', '.join(moved) or '—'}")


@app.command()
@refusals
def extend(
    code: str = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="the later due date asked for, YYYY-MM-DD"),
    reason: str = typer.Option(..., "--reason"),
    actor: str = typer.Option(..., "--as", help="your email (the owner)"),
) -> None:
    """Ask for a later due date (延期申请), before the deadline."""
    act(code, actor, request_extension, to=parse_day(to, field="to"), reason=reason)


@app.command()
@refusals
def extension(
    code: str = typer.Argument(...),
    approve: bool = typer.Option(False, "--approve"),
    reject_reason: str | None = typer.Option(None, "--reject", help="reject with this reason"),
    actor: str = typer.Option(..., "--as", help="your email (a supervisor)"),
) -> None:
    """Decide a pending extension request: --approve, or --reject REASON."""
    if approve == (reject_reason is not None):
        raise RuleError("required", field="--approve | --reject")
    act(code, actor, decide_extension, approve=approve, reason=reject_reason or "")


@app.command("sweep")
@refusals
def sweep_cmd(now: str | None = typer.Option(None, "--now", help="sweep as of this moment (ISO date-time)")) -> None:
    """Run the deadline sweep: reminders, escalations, one digest per person, for a moment."""
    from flows.control import run_sweep

    at = ctx.now()
    if now is not None:
        try:
            at = datetime.fromisoformat(now)
        except ValueError:
            raise RuleError("bad_date", field="now", value=now) from None
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo(ctx.settings().timezone))
        near_moment(at, now=ctx.now(), window_days=ctx.settings().due_window_days, field="now")
    result = run_sweep(at.astimezone(UTC).isoformat())
    if not result["workday"]:
        note = "非工作日，不提醒不督办" if lang() == "zh" else "not a working day: nothing to do"
        out.print(f"{result['day']}: {note}")
        return
    out.print(f"{result['day']}: reminders {result['reminders']}, escalations {len(result['escalated'])}, "
              f"overdue {len(result['overdue_items'])}, digests {result['digests']} (deferred {result['deferred']})")


@app.command("reconcile")
@refusals
def reconcile_cmd() -> None:
    """Make ledger and Prefect agree now (the reconcile flow, run here). With Prefect down it
    still sends the mail that is due, says so, and exits 1: the runs wait for Prefect."""
    import os

    from flows.control import prefect_reachable
    from flows.reconcile import reconcile
    from notifications.delivery import deliver

    if not asyncio.run(prefect_reachable()):
        report = deliver(ctx.ledger(), settings=ctx.settings(), now=ctx.now())
        where = os.environ.get("PREFECT_API_URL", "")
        msg = (f"流程服务不可达（{where}）：案件流程待其恢复后由 reconcile 修复；邮件：{report}" if lang() == "zh"
               else f"Prefect is unreachable at {where}: case runs are repaired once it is back; mail: {report}")
        err.print(f"[yellow]![/] {msg}")
        raise typer.Exit(1)
    summary = asyncio.run(reconcile())
    out.print(summary)


@app.command()
@refusals
def show(code: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One item: state, owner, due date, working days left, level, history."""
    with reading(ctx.ledger()) as session:
        view = item_view(session, finding_by_code(session, code), now=ctx.now(), policy=ctx.policy())
    print_json(view.as_json()) if as_json else show_item(view, lang(), ctx.settings().timezone)


@app.command()
@refusals
def ledger(
    as_json: bool = typer.Option(False, "--json"),
    export: Path | None = typer.Option(None, "--export", help="write the ledger to this .xlsx file"),
) -> None:
    """The ledger (整改台账): every item in one table, or exported to Excel."""
    if export is not None:
        from app.sheets import export_ledger

        if export.suffix.lower() != ".xlsx":
            raise RuleError("not_xlsx", field="export", value=export.name)
        return export_ledger(export)
    with reading(ctx.ledger()) as session:
        views = ledger_views(session, now=ctx.now(), policy=ctx.policy())
    print_json([v.as_json() for v in views]) if as_json else show_ledger(views, lang())


@audit_app.command("verify")
@refusals
def audit_verify() -> None:
    """Walk the hash chain and its keyed anchor, and check every item against its history;
    exit 1 at the first bad record."""
    from models.audit_items import item_mismatches
    from models.links import anchor_key

    settings = ctx.settings()
    with reading(ctx.ledger()) as session:
        checked, bad = verify_chain(session, key=anchor_key(settings.secret_key, settings.data_dir))
        mismatches = item_mismatches(session)
    if bad is not None:
        err.print(f"[red]✗[/] {RuleError('chain_broken', value=bad).render(lang())} ({checked} ok before it)")
    for m in mismatches[:20]:
        err.print(f"[red]✗[/] {m.code}: {m.field} = {m.row}, 记录显示 (its history says) {m.events}")
    if bad is not None or mismatches:
        raise typer.Exit(1)
    out.print(f"[green]✓[/] audit chain intact and anchored: {checked} events; every item agrees with its history")


@mail_app.command("list")
@refusals
def mail_list(failed: bool = typer.Option(False, "--failed", help="only mail that failed for good")) -> None:
    """Mail that failed, and mail waiting for the relay (tried, not yet accepted)."""
    from rich.markup import escape
    from rich.table import Table
    from sqlmodel import select

    from models.finding import Finding
    from models.outbox import troubled_mail

    with reading(ctx.ledger()) as session:
        rows = troubled_mail(session, failed_only=failed)
        ids = {r.finding_id for r in rows if r.finding_id is not None}
        found = session.exec(select(Finding.id, Finding.code).where(Finding.id.in_(ids))).all()  # type: ignore[union-attr]
        codes = dict(found)
    if not rows:
        out.print("没有待重发或失败的邮件 (no mail waiting or failed)")
        return
    table = Table()
    table.add_column("id")
    table.add_column("事项 item", no_wrap=True)  # which item a waiting mail is about
    for col in ("状态 status", "收件人 to", "模板 template", "尝试 attempts", "下次 next", "错误 error"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r.id), codes.get(r.finding_id, "—"), r.status.value, r.recipient_email, r.template,
                      str(r.attempts),
                      f"{r.next_attempt_at:%Y-%m-%d %H:%M}" if r.status.value != "failed" else "—",
                      escape(r.error[:120]))
    out.print(table)


@mail_app.command("retry")
@refusals
def mail_retry(ids: list[int] = typer.Argument(None, help="outbox ids (from `rectiflow mail list`)"),
               failed: bool = typer.Option(False, "--failed", help="every mail that failed")) -> None:
    """Send failed (or waiting) mail again now, with a fresh attempt budget."""
    from models.outbox import retry_mail
    from notifications.delivery import deliver

    if not ids and not failed:
        raise RuleError("required", field="ID | --failed")
    with transaction(ctx.ledger()) as session:
        again = retry_mail(session, ids=list(ids or []), all_failed=failed, now=ctx.now())
    report = deliver(ctx.ledger(), settings=ctx.settings(), now=ctx.now())
    out.print(f"{len(again)} 封重新排队 (queued again); mail: {report}")


@db_app.command("upgrade")
@refusals
def db_upgrade() -> None:
    """Create the ledger's schema, or bring it to this version (safe to run at any time, and
    from several processes at once); anchor an intact audit chain that has no anchor yet."""
    from models.opening import schema_change, upgrade_ledger

    before, after, anchored = upgrade_ledger(ctx.settings())
    out.print(schema_change(before, after) + ("; audit chain anchored" if anchored else ""))


@calendar_app.command("set")
@refusals
def calendar_set(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    workday: bool = typer.Option(..., "--workday/--holiday"),
    note: str = typer.Option("", "--note"),
) -> None:
    """Declare a day a working day or a holiday (for years chinesecalendar does not know yet)."""
    from models.calendar import CalendarOverride

    the_day = near_day(parse_day(day, field="day"), today=ctx.now().date(),  # type: ignore[arg-type]
                       window_days=ctx.settings().due_window_days, field="day")
    note = clean_text(note, field="note", limit=200, required=False)
    with transaction(ctx.ledger()) as session:
        session.merge(CalendarOverride(day=the_day, workday=workday, note=note))
    out.print(f"{the_day}: {'working day' if workday else 'holiday'}")


from app.compliance import compliance  # noqa: E402
from app.notice import notice_app, notice_build, notice_show  # noqa: E402
from app.preflight import Role, run_checks  # noqa: E402
from app.round import round_app, round_assign, round_close, round_open  # noqa: E402
from app.sheets import import_findings, record_round  # noqa: E402

app.command("import")(refusals(import_findings))
app.command("compliance")(refusals(compliance))
for _name, _fn in (("open", round_open), ("assign", round_assign), ("close", round_close), ("record", record_round)):
    round_app.command(_name)(refusals(_fn))
app.add_typer(round_app, name="round")
notice_app.command("build")(refusals(notice_build))
notice_app.command("show")(refusals(notice_show))
app.add_typer(notice_app, name="notice")


@app.command()
def up(
    demo: bool = typer.Option(False, "--demo", help="load the demo organisation and sample findings"),
    limit: int = typer.Option(4, "--limit", help="case passes run at once"),
) -> None:
    """The embedded stack: Prefect server + UI, every deployment served, the SMTP sink."""
    from app.stack import run_stack

    run_stack(demo=demo, limit=limit)


@app.command()
def demo() -> None:
    """Load the demo organisation and sample findings into the configured ledger, and start
    their case runs (the embedded stack does this with `up --demo`)."""
    from app.demo import load_demo
    from flows.control import start_missing_case_runs

    engine = ctx.ledger()
    codes = load_demo(engine, settings=ctx.settings(), now_fn=ctx.now)
    started = asyncio.run(start_missing_case_runs(engine))
    out.print(f"demo: filed {', '.join(codes) or 'nothing (findings exist)'}; case runs started: {len(started)}")


@app.command()
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


@app.command("check")
def check_cmd(role: Role = typer.Option(Role.worker, "--role", help="what this machine runs")) -> None:
    """Before a worker or portal starts beyond one machine: the ledger, the secret, the shared
    folder, the organisation, Prefect's API and the mail relay. Exit 2 if it cannot work."""
    checks = run_checks(ctx.settings(), role)
    for c in checks:
        mark = "[green]✓[/]" if c.problem is None else "[yellow]![/]" if c.warning else "[red]✗[/]"
        out.print(f"{mark} {c.what}" + (f": {c.problem}" if c.problem else ""), soft_wrap=True, highlight=False)
    if any(c.problem and not c.warning for c in checks):
        raise SystemExit(2)


@app.command()
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


def main() -> None:
    import sys

    try:  # every setting is checked before anything is done, naming the variable at fault
        settings = ctx.settings()
    except SettingsError as exc:
        for problem in exc.problems:
            err.print(f"[red]✗[/] {problem}")
        raise SystemExit(2) from None
    ctx.prefect_defaults(settings, quiet=sys.argv[1:2] != ["up"])
    app()


if __name__ == "__main__":
    main()
