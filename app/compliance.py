"""`rectiflow compliance`: which branches are compliant (达标), against the year's target."""

import typer
from rich.markup import escape
from rich.table import Table

from app.output import lang, out, print_json, said
from messages import labels
from models.deadlines.calendar import local_date
from models.notices.compliance import month_compliance
from models.rounds.round import parse_month
from services import context as ctx
from services.rulebook import load_compliance_policy
from store.db import reading


def compliance(
    month: str | None = typer.Option(None, "--month", help="YYYY-MM (default: this month)"),
    year: int | None = typer.Option(None, "--year", help="every month of this year up to now"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Branch compliance, monthly score and tier, and the rate against the campaign target."""
    settings = ctx.settings()
    policy = load_compliance_policy(settings.compliance_file)
    today = local_date(ctx.now(), settings.timezone)
    if year is not None:
        months = [(year, m) for m in range(1, 13) if (year, m) <= (today.year, today.month)]
    else:
        months = [parse_month(month) if month else (today.year, today.month)]
    with reading(ctx.database()) as session:
        results = [month_compliance(session, year=y, month=m, policy=policy, timezone=settings.timezone,
                                    language=lang())
                   for y, m in months]
    if as_json:
        print_json([r.as_json() for r in results])
        return
    if year is not None:
        table = Table(title=said("compliance_year", year=year))
        for col in ("col_month", "col_rate", "col_target", "col_met"):
            table.add_column(said(col))
        for r in results:
            table.add_row(r.month, f"{r.rate:.0f}%", f"{r.target}%", "✓" if r.met else "✗")
        out.print(table)
        return
    [r] = results
    table = Table(title=said("compliance_month", month=r.month, rate=f"{r.rate:.0f}", target=r.target,
                             mark="✓" if r.met else "✗"))
    for col in ("col_branch", "col_met", "col_score", "col_grade", "col_reason"):
        table.add_column(said(col))
    for b in r.branches:
        tier = labels.label(labels.TIERS, b.tier, lang())
        table.add_row(escape(b.name), "✓" if b.compliant else "✗", str(b.score), tier,
                      escape("; ".join(b.reasons)) or "—")
    out.print(table)
