"""Signing in through the bureau's OIDC platform (统一身份认证): the authorisation-code flow
with PKCE (Authlib's Starlette client), the person matched to the organisation file
(services/identity.py), and RP-initiated logout. The flow's state, nonce and PKCE verifier
live in a short signed cookie of their own (Starlette's session), never in the ledger."""

from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.web.pages import language_of, refusal, safe_next, words
from app.web.security import start_session, where
from messages import RuleError
from models.access.sessions import SignInMethod
from services import context as ctx
from services.identity import check_address, enter
from services.secrets import open_setting
from services.signin import failed

router = APIRouter()
FLOW_COOKIE = "rf_oidc"  # the flow's state between the redirect and the callback (10 minutes)


def configured() -> bool:
    return bool(ctx.settings().oidc_discovery_url)


def origin() -> str:
    """The platform's origin (scheme://host:port), or "" without one."""
    if not configured():
        return ""
    parts = urlsplit(ctx.settings().oidc_discovery_url)
    return f"{parts.scheme}://{parts.netloc}"


@lru_cache(maxsize=4)
def _client(discovery: str, client_id: str, secret: str, scopes: str) -> Any:
    oauth = OAuth()
    return oauth.register("bureau", client_id=client_id, client_secret=open_setting(secret),
                          server_metadata_url=discovery,
                          client_kwargs={"scope": scopes, "code_challenge_method": "S256", "timeout": 10})


def client() -> Any:
    s = ctx.settings()
    return _client(s.oidc_discovery_url, s.oidc_client_id, s.oidc_client_secret, s.oidc_scopes)


def _callback_url() -> str:
    return f"{ctx.settings().portal_url.rstrip('/')}/oidc/callback"


def _said(key: str, **params: Any) -> str:
    return RuleError(key, **params).render(language_of(None), zone=ctx.settings().timezone)


def _down(request: Request) -> Response:
    return refusal(request, _said("identity_down", value=ctx.settings().oidc_name), status=503)


@router.get("/oidc/start")
async def start(request: Request, next: str = "/") -> Response:
    """To the platform's own sign-in page. Changes nothing here: the browser only gets the
    flow's cookie (a mail gateway following this link signs nobody in)."""
    if not configured():
        return refusal(request, words("not_found"), status=404)
    await run_in_threadpool(check_address, where(request))
    request.session.clear()
    request.session["next"] = safe_next(next)
    try:
        response: Response = await client().authorize_redirect(request, _callback_url())
    except (httpx.HTTPError, OAuthError, ValueError):
        return _down(request)
    return response


@router.get("/oidc/callback")
async def callback(request: Request) -> Response:
    """Back from the platform: the code exchanged (checked against this browser's state and
    PKCE verifier), the ID token's signature and nonce verified, the person matched. A GET,
    as OIDC has it, but bound to the flow this browser started: nothing else can finish it."""
    if not configured():
        return refusal(request, words("not_found"), status=404)
    name, target = ctx.settings().oidc_name, request.session.get("next", "/")
    try:
        token = await client().authorize_access_token(request)
    except OAuthError as exc:
        await run_in_threadpool(failed, SignInMethod.oidc, "refused", where=where(request))
        detail = str(exc.description or exc.error or "")[:200]
        return refusal(request, _said("identity_refused", value=name, detail=detail), status=400)
    except httpx.HTTPError:
        return _down(request)
    claims = dict(token.get("userinfo") or {})
    audience = claims.get("aud")
    if ctx.settings().oidc_client_id not in ([audience] if isinstance(audience, str) else list(audience or [])):
        # An ID token must name this client (Authlib lets an empty audience through).
        await run_in_threadpool(failed, SignInMethod.oidc, "audience", where=where(request))
        return refusal(request, _said("identity_refused", value=name, detail="aud"), status=400)
    identity = str(claims.get(ctx.settings().oidc_claim) or "")
    cookie = await run_in_threadpool(enter, SignInMethod.oidc, identity, where=where(request))
    request.session.clear()
    request.session["id_token"] = token.get("id_token", "")  # the hint for RP-initiated logout
    response = RedirectResponse(target, status_code=303)
    start_session(response, request, cookie)
    return response


async def logout_redirect(request: Request) -> Response | None:
    """After the portal's own logout: the platform's end-session page, back to the sign-in
    page (None when the platform has none, or the session did not come from it)."""
    hint = request.session.pop("id_token", "") if configured() and "session" in request.scope else ""
    if not hint:
        return None
    try:
        metadata = await client().load_server_metadata()
    except (httpx.HTTPError, ValueError):
        return None
    end = metadata.get("end_session_endpoint")
    if not end:
        return None
    back = f"{ctx.settings().portal_url.rstrip('/')}/login"
    return RedirectResponse(f"{end}?id_token_hint={quote(hint)}&post_logout_redirect_uri={quote(back)}"
                            f"&client_id={quote(ctx.settings().oidc_client_id)}", status_code=303)
