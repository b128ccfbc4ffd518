"""`rectiflow round open|assign|close YYYY-MM`: the monthly inspection round."""

from datetime import UTC

import typer

from app.output import out
from models.rounds.round import parse_month
from services import context as ctx
from services.jobs import RoundOpening

round_app = typer.Typer(no_args_is_help=True, help="The monthly inspection round (督察).")


def _show(result: RoundOpening) -> None:
    out.print(f"{result.month}: {'opened' if result.opened else 'already open'}, closes {result.closes_on}")
    for unit, people in result.teams.items():
        out.print(f"  {unit}: {', '.join(people)}")


def round_open(month: str = typer.Argument(..., help="YYYY-MM"),
               team: int = typer.Option(0, "--team", help="inspectors per branch (default from settings)")) -> None:
    """Open the month's round: assign inspectors (never to their own unit), mail checklists."""
    from app.jobs import run_round

    year, mon = parse_month(month)
    _show(run_round(f"{year:04d}-{mon:02d}", ctx.now().astimezone(UTC), team))


def round_assign(month: str = typer.Argument(..., help="YYYY-MM")) -> None:
    """Show the month's teams (opening the round if it is not open yet)."""
    round_open(month, 0)


def round_close(month: str = typer.Argument(..., help="YYYY-MM")) -> None:
    """Close the month's round."""
    from services.jobs import close_month_round

    closed, inspected = close_month_round(month)
    out.print(f"{closed}: closed ({inspected} units inspected)")
