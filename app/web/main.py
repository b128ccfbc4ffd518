"""The FastAPI application: pages rendered by Jinja2 (autoescaped, strict), every refusal a
page that names the field, never a traceback."""

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from app.web import (
    absences,
    channels,
    dashboard,
    health,
    icon,
    item,
    login,
    mailfolder,
    metrics,
    oidc,
    parts,
    sessions,
    staff,
)
from app.web.headers import SecurityHeaders
from app.web.limits import BodyLimit, BodyTooLarge
from app.web.pages import language_of, refusal, words
from app.web.security import CsrfFailed, Forbidden, NotHere, SignInNeeded
from messages import RuleError
from services import context as ctx


def create_app(*, mail_folder: bool = False) -> FastAPI:
    app = FastAPI(title="rectiflow portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.mail_folder = mail_folder

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> HTMLResponse:
        return refusal(request, words("too_large", kib=exc.limit // 1024), status=413)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        # Starlette's own refusals (form limits, unknown pages, wrong methods) as the portal's page.
        known = {404: "not_found", 405: "method_not_allowed"}
        text = words(known[exc.status_code]) if exc.status_code in known else words(
            "bad_request", detail=str(exc.detail)[:200])
        return refusal(request, text, status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors()[:5])
        return refusal(request, words("bad_parameter", fields=fields[:200]), status=400)

    @app.exception_handler(RuleError)
    async def rule_error(request: Request, exc: RuleError) -> HTMLResponse:
        return refusal(request, exc.render(language_of(None), zone=ctx.settings().timezone))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> HTMLResponse:
        return refusal(request, words("csrf_failed"), status=403)

    @app.exception_handler(NotHere)
    async def not_here(request: Request, exc: NotHere) -> HTMLResponse:
        return refusal(request, words(str(exc) or "not_found"), status=404)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return refusal(request, words(str(exc) or "forbidden"), status=403)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    if oidc.configured():  # the OIDC flow's state, nonce and PKCE verifier: a signed cookie of its own
        app.add_middleware(SessionMiddleware, secret_key=ctx.secret(), session_cookie=oidc.FLOW_COOKIE,
                           max_age=ctx.settings().session_hours * 3600, same_site="lax",
                           https_only=ctx.settings().portal_url.startswith("https://"))
    app.add_middleware(SecurityHeaders, form_origin=oidc.origin())
    app.add_middleware(BodyLimit)  # outermost: counts every byte before anything else reads it
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(icon.router)
    app.include_router(login.router)
    app.include_router(oidc.router)
    app.include_router(parts.router)  # before item's /l/{token}/{action}
    app.include_router(item.router)
    app.include_router(staff.router)
    app.include_router(dashboard.router)
    app.include_router(mailfolder.router)
    app.include_router(channels.router)
    app.include_router(absences.router)
    app.include_router(sessions.router)
    return app
