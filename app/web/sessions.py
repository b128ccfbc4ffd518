"""An administrator's page of the portal sessions that hold now (等保 2.0: concurrent
sessions seen and ended by an admin), each with a button that ends it."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.web.deps import Acting, with_role
from app.web.pages import page
from app.web.security import Forbidden, Visitor, require_csrf
from models.people.org import Role
from services.signin import list_sessions, revoke

router = APIRouter()
ADMINS_ONLY = "admins_only"


@router.get("/admin/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, visitor: Visitor = with_role((Role.admin,), ADMINS_ONLY),
                  done: str = "") -> Response:
    return page(request, "sessions.html", {"visitor": visitor, "sessions": list_sessions(),
                                           "ended": done == "ended"})


@router.post("/admin/sessions")
async def session_end(request: Request, visitor: Acting) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    require_csrf(visitor.anchor, form.get("csrf"))
    if not visitor.has(Role.admin):
        raise Forbidden(ADMINS_ONLY)
    await run_in_threadpool(revoke, by=visitor.person, ref=str(form.get("ref") or "")[:64])
    return RedirectResponse("/admin/sessions?done=ended", status_code=303)
