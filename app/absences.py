"""`rectiflow absence …`: declare an absence with a delegate (委托), end it, list them."""

import typer
from rich.markup import escape

from app.output import out, said
from models.deadlines.dates import parse_day
from services.absences import declare, end, listed

absence_app = typer.Typer(help="absences and delegates (委托)", no_args_is_help=True)


def absence_declare(
    actor: str = typer.Option(..., "--as", help="your email"),
    person: str | None = typer.Option(None, "--for", help="who is away (supervisors and admins; default: you)"),
    delegate: str = typer.Option(..., "--delegate", help="who stands in (same unit or the one above)"),
    first: str = typer.Option(..., "--from", help="first day away, YYYY-MM-DD"),
    last: str = typer.Option(..., "--to", help="last day away, YYYY-MM-DD"),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Declare an absence: meanwhile mail, digests and links go to the delegate."""
    start, stop = parse_day(first, field="from"), parse_day(last, field="to")
    assert start is not None and stop is not None
    absence_id = declare(actor=actor, person=person, delegate=delegate, first=start, last=stop, reason=reason)
    out.print(f"{absence_id} " + said("absence_recorded"))


def absence_end(
    absence_id: int = typer.Argument(..., help="the absence's number (rectiflow absence list)"),
    actor: str = typer.Option(..., "--as", help="your email"),
) -> None:
    """End an absence now (back sooner): the delegate's links for those items stop."""
    end(actor=actor, absence_id=absence_id)
    out.print(f"{absence_id} " + said("absence_ended"))


def absence_list() -> None:
    """Absences not over yet."""
    for a in listed(person_id=None):
        mark = "*" if a.now else " "
        # Names and the reason are people's text: shown as typed, never read as markup.
        out.print(escape(f"{a.id:>4} {mark} {a.first_day} – {a.last_day}  {a.person} <{a.person_email}> → "
                         f"{a.delegate} <{a.delegate_email}>  {a.reason}"), highlight=False)
