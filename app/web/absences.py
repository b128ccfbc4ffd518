"""Where a signed-in person declares an absence with a delegate (委托), sees the ones they
stand in for, and ends one early; supervisors and admins may declare one for someone else."""

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.web.deps import Acting, SignedIn
from app.web.pages import page
from app.web.security import SESSION_COOKIE, require_csrf, session_person
from messages import RuleError
from models.deadlines.calendar import local_date
from models.deadlines.dates import parse_day
from models.people.absence import DECLARERS
from models.text import row_id
from services import context as ctx
from services.absences import declare, end, listed

router = APIRouter()


@router.get("/me/absence", response_class=HTMLResponse)
def absence_page(request: Request, visitor: SignedIn) -> Response:
    today = local_date(ctx.now(), ctx.settings().timezone)
    return page(request, "absence.html", {"visitor": visitor, "today": today.isoformat(),
                                          "absences": listed(person_id=visitor.person.id),
                                          "declarer": visitor.has(*DECLARERS)})


def _day(value: str, field: str) -> date:
    day = parse_day(value or None, field=field)
    if day is None:
        raise RuleError("required", field=field)
    return day


@router.post("/me/absence")
async def absence_change(request: Request, visitor: Acting) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    require_csrf(visitor.anchor, form.get("csrf"))
    text = {k: str(form.get(k) or "").strip()[:300] for k in ("for", "delegate", "from", "to", "reason", "end")}
    me = session_person(request.cookies.get(SESSION_COOKIE))  # read again in the command's transaction
    if text["end"]:
        absence_id = row_id(text["end"], field="absence")
        await run_in_threadpool(lambda: end(actor=me, absence_id=absence_id))
        return RedirectResponse("/me/absence?done=ended", status_code=303)
    first, last = _day(text["from"], "from"), _day(text["to"], "to")
    await run_in_threadpool(lambda: declare(actor=me, person=text["for"] or None, delegate=text["delegate"],
                                            first=first, last=last, reason=text["reason"]))
    return RedirectResponse("/me/absence?done=declared", status_code=303)
