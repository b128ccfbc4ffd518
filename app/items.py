"""CLI commands on items: file, submit, review, withdraw, reassign, extend, show, the ledger.
Each calls its use case in services/; a refusal is printed by the CLI's `refusals`."""

import asyncio
from pathlib import Path

import typer

from app.output import err, lang, out, print_json, said, show_item, show_ledger
from messages import RuleError, labels
from models.deadlines.dates import parse_day
from models.items.lifecycle import Command, roles_for
from models.items.split import Part
from models.ledger.views import item_view, ledger_views
from models.people.directory import finding_by_code
from services import context as ctx
from services.case_runs import Wake
from services.evidence import store_path
from services.filing import file_finding
from services.items import Acted, Action, act, reassign_all
from services.splitting import split_item
from store.db import reading


def _report(acted: Acted) -> None:
    if acted.wake in (Wake.unreachable, Wake.busy):
        err.print(f"[yellow]![/] {acted.code}: {said('recorded_prefect_away')}")


def _act(code: str, actor: str, action: Action) -> None:
    acted = asyncio.run(act(action, code=code, actor=actor))
    _report(acted)
    out.print(f"{acted.code} {acted.label(lang())}")


def file_cmd(
    unit: str = typer.Option(..., "--unit", help="单位: code or name, e.g. zb-xinxi or 信息中心党支部"),
    manifestation: str = typer.Option(..., "--manifestation", help="具体表现: negative-list id (lan-1) or its words"),
    title: str = typer.Option(..., "--title"),
    detail: str = typer.Option("", "--detail"),
    deadline_class: str | None = typer.Option(None, "--class", help="立行立改 | 限期整改 | 长期整改 "
                                                                    "(immediate | limited | long)"),
    owner: str | None = typer.Option(None, "--owner", help="责任人: e-mail, or name within the unit "
                                                           "(default: branch secretary)"),
    actor: str = typer.Option(..., "--as", help="your email"),
) -> None:
    """File a finding (立项). Prints its code; its case run assigns and mails the owner."""
    filed = asyncio.run(file_finding(actor=actor, unit=unit, manifestation=manifestation,
                                     title=title, detail=detail, deadline_class=deadline_class, owner=owner))
    print(filed.code)
    if filed.run_id is None:
        err.print(f"[yellow]![/] {filed.code}: {said('filed_prefect_away')}")


def acknowledge(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as", help="your email (the owner)"),
) -> None:
    """Sign for an assigned item (签收): you have it and are on it."""
    _act(code, actor, Action(Command.acknowledge))


def split_cmd(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as", help="your email (the owner, an inspector or a supervisor)"),
    parts: list[str] = typer.Option(..., "--part", help="UNIT:OWNER-EMAIL:YYYY-MM-DD:TITLE; repeat for each"),
) -> None:
    """Split an item into sub-items (分解), each with its own owner and a due date no later
    than the item's; the item is handed in once they are all closed."""
    asked = []
    for i, text in enumerate(parts, start=1):
        fields = text.split(":", 3)
        if len(fields) != 4:
            raise RuleError("bad_part", field=f"parts[{i}]", value=text[:80])
        unit, owner, due, title = fields
        asked.append(Part(unit=unit, owner=owner, due=parse_day(due, field=f"parts[{i}].due"), title=title))
    done = asyncio.run(split_item(code, actor=actor, parts=asked))
    for part in done.parts:
        print(part)
    if len(done.started) < len(done.parts):
        err.print(f"[yellow]![/] {said('parts_prefect_away')}")


def submit(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as", help="your email (the owner)"),
    note: str = typer.Option(..., "--note", help="what was done (整改情况说明)"),
    files: list[Path] = typer.Option([], "--file", help="evidence file; repeat for several"),
) -> None:
    """Submit evidence for verification (提交整改材料)."""
    stored = tuple(store_path(f) for f in files)
    _act(code, actor, Action(Command.submit, note=note, files=stored))


def review(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as", help="your email (not the owner)"),
    accept: bool = typer.Option(False, "--accept", help="accept and close (销号)"),
    return_reason: str | None = typer.Option(None, "--return", help="return with this reason (退回)"),
    due: str | None = typer.Option(None, "--due", help="new due date YYYY-MM-DD when returning"),
) -> None:
    """Verify submitted evidence: --accept, or --return REASON [--due DATE]."""
    if accept == (return_reason is not None):
        raise RuleError("exclusive" if accept else "required", field="--accept | --return")
    if accept:
        if due is not None:
            raise RuleError("bad_date", field="due", value=f"{due} (only with --return)")
        _act(code, actor, Action(Command.accept))
    else:
        _act(code, actor, Action(Command.return_, reason=return_reason or "", due=parse_day(due, field="due")))


def withdraw(
    code: str = typer.Argument(...),
    actor: str = typer.Option(..., "--as"),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Withdraw an item filed in error (撤销); inspectors only, reason required."""
    _act(code, actor, Action(Command.withdraw, reason=reason))


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
        _act(code, actor, Action(Command.reassign, to=to, reason=reason))
        return
    moved = asyncio.run(reassign_all(from_email=from_email or "", to=to, actor=actor, reason=reason))
    for acted in moved:
        _report(acted)
    out.print(f"{len(moved)}: {', '.join(a.code for a in moved) or '—'}")


def extend(
    code: str = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="the later due date asked for, YYYY-MM-DD"),
    reason: str = typer.Option(..., "--reason"),
    actor: str = typer.Option(..., "--as", help="your email (the owner)"),
) -> None:
    """Ask for a later due date (延期申请), before the deadline."""
    _act(code, actor, Action(Command.request_extension, due=parse_day(to, field="to"), reason=reason))
    deciders = [labels.label(labels.ROLES, r.value, lang()) for r in roles_for(Command.approve_extension)]
    out.print(said("extension_waits", deciders=said("or").join(deciders)))


def extension(
    code: str = typer.Argument(...),
    approve: bool = typer.Option(False, "--approve"),
    reject_reason: str | None = typer.Option(None, "--reject", help="reject with this reason"),
    actor: str = typer.Option(..., "--as", help="your email (a supervisor)"),
) -> None:
    """Decide a pending extension request: --approve, or --reject REASON."""
    if approve == (reject_reason is not None):
        raise RuleError("exclusive" if approve else "required", field="--approve | --reject")
    command = Command.approve_extension if approve else Command.reject_extension
    _act(code, actor, Action(command, reason=reject_reason or ""))


def show(code: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """One item: state, owner, due date, working days left, level, history."""
    with reading(ctx.database()) as session:
        view = item_view(session, finding_by_code(session, code), now=ctx.now(), policy=ctx.policy())
    print_json(view.as_json()) if as_json else show_item(view, lang(), ctx.settings().timezone)


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
    with reading(ctx.database()) as session:
        views = ledger_views(session, now=ctx.now(), policy=ctx.policy())
    print_json([v.as_json() for v in views]) if as_json else show_ledger(views, lang())
