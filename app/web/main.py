"""The FastAPI application: pages rendered by Jinja2 (autoescaped, strict), every refusal a
page that names the field, never a traceback."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.web.headers import SecurityHeaders
from app.web.limits import TOO_LARGE, BodyLimit, BodyTooLarge
from app.web.security import CsrfFailed, Forbidden, SignInNeeded, set_anchor
from models.errors import RuleError

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
CSRF_FAILED = "表单已失效或来源不明，请刷新页面后重试 (CSRF check failed)"


def page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    visitor = context.get("visitor")
    html = TEMPLATES.get_template(template).render(
        {"request": request, "visitor": visitor, "flash": request.query_params.get("done", ""), **context})
    response = HTMLResponse(html, status_code=status)
    set_anchor(request, response)
    return response


def back_from(path: str) -> str:
    """Where a refusal's "back" link leads: the item page the form came from, else home."""
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] in ("l", "items"):
        return f"/{parts[0]}/{parts[1]}"
    return "/"


def refusal(request: Request, message: str, *, status: int = 400, **extra: Any) -> HTMLResponse:
    return page(request, "message.html", {"title": "未能完成 (refused)", "message": message, "visitor": None,
                                          "back": back_from(request.url.path), **extra}, status=status)


def create_app(*, mail_folder: bool = False) -> FastAPI:
    from app.web import item, mailfolder, staff

    app = FastAPI(title="rectiflow portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.mail_folder = mail_folder

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> HTMLResponse:
        return refusal(request, TOO_LARGE.format(kib=exc.limit // 1024), status=413)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        # Starlette's own refusals (form limits, unknown pages, wrong methods) as the portal's page.
        text = {404: "页面不存在 (not found)", 405: "不支持此操作方式 (method not allowed)"}.get(
            exc.status_code, f"请求无效 (bad request): {str(exc.detail)[:200]}")
        return refusal(request, text, status=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors()[:5])
        return refusal(request, f"请求参数有误 (bad parameter): {fields}"[:300], status=400)

    @app.exception_handler(RuleError)
    async def rule_error(request: Request, exc: RuleError) -> HTMLResponse:
        return refusal(request, exc.render("zh"))

    @app.exception_handler(CsrfFailed)
    async def csrf_failed(request: Request, exc: CsrfFailed) -> HTMLResponse:
        return refusal(request, CSRF_FAILED, status=403)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> HTMLResponse:
        return refusal(request, str(exc), status=403)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)  # outermost: counts every byte before anything else reads it
    app.include_router(item.router)
    app.include_router(staff.router)
    app.include_router(mailfolder.router)
    return app
