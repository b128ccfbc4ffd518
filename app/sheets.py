"""CLI commands for spreadsheets: importing findings, recording a round's checklist,
exporting the ledger."""

import asyncio
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from app.output import err, out, said
from messages import RuleError
from models.ledger.export import ledger_workbook
from models.ledger.views import ledger_views
from models.rounds.sheet import Sheet
from services import context as ctx
from services.filing import Batch, checked_sheet, findings_template, import_sheet, open_round, record_round_checklist
from store.db import reading
from store.files import write_whole


def _checked(file: Path, *, skip_bad: bool) -> Sheet:
    """Read and validate the whole sheet; report every bad row; refuse unless all pass."""
    sheet = checked_sheet(file)
    if sheet.bad:
        table = Table(title=said("bad_rows", file=escape(file.name), sheet=escape(sheet.name), n=len(sheet.bad)),
                      title_justify="left")
        table.add_column(said("row"), justify="right")
        table.add_column(said("problems"))
        for row in sheet.bad:
            table.add_row(str(row.number), escape("; ".join(row.problems)))
        err.print(table)
    skipped = [r for r in sheet.rows if r.existing and not r.problems]
    if skipped:
        err.print(said("already_imported", n=len(skipped))
                  + ", ".join(f"{r.number}→{r.existing}" for r in skipped[:10]) + (" …" if len(skipped) > 10 else ""))
    if sheet.bad and not skip_bad:
        err.print(f"[red]✗[/] {said('nothing_filed')}")
        raise typer.Exit(2)
    return sheet


def import_findings(
    file: Path | None = typer.Argument(None, help="an .xlsx sheet. Required columns: 单位 unit, "
                                       "具体表现 manifestation, 问题 title, 督察员 inspector. Optional: 问题描述 "
                                       "detail, 类别 class, 责任人 owner, 编号 ref. Names as the portal shows "
                                       "them, or codes; --template writes a sheet to fill in"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check and report, file nothing"),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="file the good rows, report the bad ones"),
    template: Path | None = typer.Option(None, "--template", help="write the sheet to fill in (立项表.xlsx) "
                                         "with this bureau's units, negative list and classes as drop-down lists"),
) -> None:
    """File findings from a spreadsheet. Every row is checked first; nothing is filed unless
    all pass (or --skip-bad). Importing the same sheet again files nothing twice."""
    if template is not None:
        write_whole(template, findings_template())
        out.print(said("template_written", path=template))
        return
    if file is None:
        raise RuleError("required", field="file")
    sheet = _checked(file, skip_bad=skip_bad)
    if dry_run:
        out.print(said("dry_run", n=len(sheet.new)))
        raise typer.Exit(2 if sheet.bad else 0)
    batch = asyncio.run(import_sheet(sheet))
    codes = batch.codes
    out.print(said("filed_and_assigned", n=len(codes)) + (f": {codes[0]} … {codes[-1]}" if codes else ""))
    _show(batch)
    if sheet.bad:
        raise typer.Exit(2)


def record_round(
    month: str = typer.Argument(..., help="YYYY-MM"),
    file: Path = typer.Argument(..., help="the filled-in checklist (.xlsx) from the round's mail"),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="record the good rows, report the bad ones"),
) -> None:
    """Record a round's checklist: each 不合格 row is filed as a finding, each 合格 row counts
    towards a clean month for its unit. Recording the same sheet again changes nothing."""
    month = open_round(month)  # before reading the sheet: a month without an open round is refused first
    sheet = _checked(file, skip_bad=skip_bad)
    batch = asyncio.run(record_round_checklist(month, sheet, source=file.name))
    out.print(said("results_recorded", month=month, results=batch.results, filed=len(batch.codes),
                   clean=", ".join(batch.clean) or "—"))
    _show(batch)
    if sheet.bad:
        raise typer.Exit(2)


def _show(batch: Batch) -> None:
    out.print(said("mail_report", report=batch.mail))
    if batch.codes and batch.started:
        out.print(said("runs_started", n=len(batch.started)))


def export_ledger(path: Path) -> None:
    with reading(ctx.database()) as session:
        views = ledger_views(session, now=ctx.now(), policy=ctx.policy())
    path.write_bytes(ledger_workbook(views, language=ctx.settings().language))
    out.print(said("exported", n=len(views), path=path))
