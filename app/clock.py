"""`rectiflow clock ahead|show|reset`: move the embedded demo stack's clock, for every process
of it at once (the portal, the served runs, the CLI), to see deadlines bite."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import typer

from app.output import out, said
from messages import RuleError
from services import context as ctx
from store import clock

clock_app = typer.Typer(no_args_is_help=True, help="The demo stack's clock (embedded stack only).")


def _embedded_only() -> None:
    if not ctx.settings().embedded:
        raise RuleError("clock_not_embedded")


def clock_ahead(days: int = typer.Argument(..., min=0, max=clock.MAX_DAYS,
                                           help="days ahead of the real clock")) -> None:
    """Every process of the demo stack sees the clock DAYS ahead (sweeps, pages, links, notices)."""
    _embedded_only()
    clock.set_shift(ctx.settings().data_dir, timedelta(days=days))
    clock_show()


def clock_reset() -> None:
    """Back to the real clock."""
    _embedded_only()
    clock.set_shift(ctx.settings().data_dir, timedelta(0))
    clock_show()


def clock_show() -> None:
    shift = clock.shift(ctx.settings().data_dir) if ctx.settings().embedded else timedelta(0)
    moment = ctx.now().astimezone(ZoneInfo(ctx.settings().timezone))
    out.print(said("clock_at", moment=f"{moment:%Y-%m-%d %H:%M}", days=shift.days))
