"""Signing in and out: the mailed one-time link (the embedded default), the bureau's
directory (LDAP) and identity platform (OIDC, app/web/oidc.py), an administrator's second
factor, and the logout that ends the session in the ledger (and at the platform)."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from app.web import oidc
from app.web.pages import page, refusal, safe_next, words
from app.web.security import (
    SESSION_COOKIE,
    anchor,
    end_session,
    require_csrf,
    secure_cookie,
    session_visitor,
    start_session,
    where,
)
from services import context as ctx
from services.access import send_sign_in, sign_in, sign_in_offer
from services.directory import sign_in_by_directory
from services.second_factor import STEP_MINUTES, confirm
from store.db import transaction

router = APIRouter()
PENDING_COOKIE = "rf_second_step"


def _choices(request: Request, next: str, **extra: object) -> dict[str, object]:
    """What the sign-in page offers: the ways this deployment has turned on."""
    s = ctx.settings()
    return {"csrf": ctx.signer().csrf(anchor(request)), "next": safe_next(next), "sent": False,
            "minutes": s.signin_minutes, "mail": s.mail_sign_in, "oidc": s.oidc_name if oidc.configured() else "",
            "oidc_start": f"/oidc/start?next={quote(safe_next(next))}", "directory": bool(s.ldap_url), **extra}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", _choices(request, next))


@router.post("/login", response_class=HTMLResponse)
async def login_send(request: Request) -> Response:
    form = await request.form()
    require_csrf(anchor(request), form.get("csrf"))
    if not ctx.settings().mail_sign_in:
        return refusal(request, words("not_found"), status=404)
    email = str(form.get("email") or "").strip().lower()[:254]
    target = safe_next(str(form.get("next") or "/"))

    async def queue_and_send() -> None:
        await send_sign_in(email, target)

    # The same answer either way, and at the same moment: the lookup and the mail happen after
    # the page is sent, so neither the page nor its timing tells who is registered.
    response = page(request, "login.html", _choices(request, target, sent=True))
    response.background = BackgroundTask(queue_and_send)
    return response


@router.post("/login/directory", response_class=HTMLResponse)
async def login_directory(request: Request) -> Response:
    """The bureau's directory (LDAP / AD): bound as the person with what they typed, over
    verified TLS. A wrong password says only that, and counts toward the lock-out."""
    form = await request.form()
    require_csrf(anchor(request), form.get("csrf"))
    if not ctx.settings().ldap_url:
        return refusal(request, words("not_found"), status=404)
    username = str(form.get("username") or "").strip()[:128]
    password = str(form.get("password") or "")[:256]
    target = safe_next(str(form.get("next") or "/"))
    cookie = await run_in_threadpool(sign_in_by_directory, username, password, where=where(request))
    response = RedirectResponse(target, status_code=303)
    start_session(response, request, cookie)
    return response


@router.get("/login/{token}", response_class=HTMLResponse)
def login_offer(request: Request, token: str, next: str = "/") -> Response:
    """The sign-in link's page: it only looks, and offers one button. Mail gateways and virus
    scanners open every link of a mail before the person does; a GET that signed in would spend
    the link for them."""
    person = sign_in_offer(token)
    return page(request, "login_confirm.html", {"csrf": ctx.signer().csrf(anchor(request)), "next": safe_next(next),
                                                "name": person.name})


@router.post("/login/{token}")
async def login_with(request: Request, token: str) -> Response:
    form = await request.form()
    require_csrf(anchor(request), form.get("csrf"))
    entry = await run_in_threadpool(sign_in, token, where=where(request))
    target = safe_next(str(form.get("next") or "/"))
    if entry.second_step:  # an admin: the code from their authenticator next
        response = RedirectResponse(f"/second-factor?next={quote(target)}", status_code=303)
        response.set_cookie(PENDING_COOKIE, entry.second_step, max_age=STEP_MINUTES * 60, httponly=True,
                            samesite="strict", secure=secure_cookie(request), path="/second-factor")
        return response
    response = RedirectResponse(target, status_code=303)
    start_session(response, request, entry.session)
    return response


@router.get("/second-factor", response_class=HTMLResponse)
def second_factor_form(request: Request, next: str = "/") -> Response:
    return page(request, "second_factor.html", {"csrf": ctx.signer().csrf(anchor(request)), "next": safe_next(next)})


@router.post("/second-factor")
async def second_factor_check(request: Request) -> Response:
    form = await request.form()
    require_csrf(anchor(request), form.get("csrf"))
    token = await run_in_threadpool(confirm, request.cookies.get(PENDING_COOKIE, ""), str(form.get("code") or "")[:20],
                                    where=where(request))
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    response.delete_cookie(PENDING_COOKIE, path="/second-factor")
    start_session(response, request, token)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()

    response = RedirectResponse("/login", status_code=303)

    def check_and_end() -> None:
        cookie = request.cookies.get(SESSION_COOKIE)
        with transaction(ctx.database()) as session:  # ending a session is an update: two tabs at once agree
            visitor = session_visitor(session, cookie)
            if visitor is not None:
                require_csrf(visitor.anchor, form.get("csrf"))
            end_session(session, response, cookie)

    await run_in_threadpool(check_and_end)
    away = await oidc.logout_redirect(request)  # signed in through the platform: out of it too
    if away is not None:
        away.delete_cookie(SESSION_COOKIE, path="/")
        return away
    return response
