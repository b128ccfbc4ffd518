"""`rectiflow notice build|show YYYY-MM`: the monthly notice (通报)."""

import getpass
from datetime import UTC, date

import typer
from rich.markup import escape

from app.output import out, print_json, said
from messages import RuleError
from models.deadlines.calendar import local_date
from models.notices.notice import (
    NoticeSummary,
    notice_for,
    notice_summary,
    publisher,
    refuse_if_early,
    refuse_if_published,
)
from models.rounds.round import parse_month
from services import context as ctx
from store.db import reading

notice_app = typer.Typer(no_args_is_help=True, help="The monthly notice (通报).")


def notice_build(
    month: str = typer.Argument(..., help="YYYY-MM"),
    publish: bool = typer.Option(False, "--publish", help="freeze it and mail it (cannot be undone)"),
    actor: str | None = typer.Option(None, "--as", help="publisher's email (supervisor, admin or leader)"),
) -> None:
    """Build the month's notice (replacing its draft); --publish freezes and mails it."""
    from app.jobs import run_notice

    year, mon = parse_month(month)
    key = f"{year:04d}-{mon:02d}"
    if date(year, mon, 1) > local_date(ctx.now(), ctx.settings().timezone):
        raise RuleError("month_ahead", field="month", value=key)
    if publish and not actor:  # publishing is a person's act, role-checked and recorded by name
        raise RuleError("required", field="as")
    with reading(ctx.database()) as session:  # refuse before any flow run starts
        refuse_if_published(notice_for(session, key))
        if publish:
            refuse_if_early(session, key, today=local_date(ctx.now(), ctx.settings().timezone))
        who = publisher(session, actor) if actor else f"cli:{getpass.getuser()}"
    built = run_notice(key, ctx.now().astimezone(UTC), publish=publish, publisher=who)
    _show(built.notice)


def notice_show(month: str = typer.Argument(..., help="YYYY-MM"),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Where the month's notice stands, and its files."""
    year, mon = parse_month(month)
    with reading(ctx.database()) as session:
        notice = notice_for(session, f"{year:04d}-{mon:02d}")
        if notice is None:
            out.print(said("no_notice", month=f"{year:04d}-{mon:02d}"))
            raise typer.Exit(1)
        summary = notice_summary(notice, timezone=ctx.settings().timezone)
    if as_json:
        print_json(summary.as_json())
        return
    _show(summary)


def _show(summary: NoticeSummary) -> None:
    status = said({"draft": "notice_draft", "published": "notice_published"}[summary.status.value])
    t = summary.figures["totals"]
    out.print(f"{summary.month} {summary.number} {escape(summary.title)}: {status}", soft_wrap=True)
    out.print(said("notice_figures", found=t["found"], closed=t["closed"], on_time=t["closed_on_time"],
                   overdue=t["overdue"], red=t["level3"], rate=f"{summary.figures['compliance_rate']:g}",
                   target=summary.figures["target"]))
    if summary.mails is not None:
        out.print(said("notice_mailed", n=summary.mails))
    for path in summary.files.values():
        out.print(f"  {path}", soft_wrap=True, highlight=False)
