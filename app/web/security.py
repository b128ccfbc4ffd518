"""Who is asking: the person of a signed link, or of the session cookie; and the CSRF token
every form carries, bound to that link or session."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from sqlmodel import Session

from messages import RuleError
from models.access.sessions import PortalSession
from models.items.finding import Finding
from models.items.lifecycle import READERS, Who, standing
from models.links import ITEM, Claim
from models.people.directory import finding_by_code, roles_of
from models.people.org import Person, Role
from services import context as ctx
from services.signin import Where, session_row, touch
from services.signin import end_session as ended

SESSION_COOKIE, ANCHOR_COOKIE = "rf_session", "rf_anchor"


@dataclass
class Visitor:
    """A person acting through a link (one item) or a session (their roles)."""

    person: Person
    roles: set[Role]
    anchor: str  # what the page's CSRF token is bound to
    claim: Claim | None = None  # the link, when acting through one

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def csrf(self) -> str:
        return ctx.signer().csrf(self.anchor)


STAFF_VIEW = set(READERS)
STANDING_VIEW = {Who.owner, Who.secretary, Who.inspector, Who.supervisor, Who.admin}


def may_view(session: Session, visitor: "Visitor", finding: Finding) -> bool:
    """Staff, the item's current owner and its branch's secretary see an item; nobody else,
    but the delegate of someone who would (委托), while the absence lasts."""
    if visitor.has(*STAFF_VIEW) or finding.owner_id == visitor.person.id:
        return True
    return bool(standing(session, visitor.person, finding, now=ctx.now()) & STANDING_VIEW)


def link_visitor(session: Session, token: str, *, allow_expired: bool = False) -> Visitor:
    """The person of an item link, while they still stand where the link was sent: a link of
    someone deactivated, or of an owner the item was moved away from, shows nothing."""
    claim = ctx.signer().read(token, ITEM, now=ctx.now(), allow_expired=allow_expired)
    person = session.get(Person, claim.person_id)
    if person is None:
        raise RuleError("link_invalid")
    visitor = Visitor(person, roles_of(session, person), anchor=f"link|{claim.digest}", claim=claim)
    if not person.active or not may_view(session, visitor, finding_by_code(session, claim.code)):
        raise RuleError("link_revoked")
    return visitor


def _session(session: Session, request: Request | str | None) -> tuple[Visitor, PortalSession] | None:
    token = request.cookies.get(SESSION_COOKIE) if isinstance(request, Request) else request
    row = session_row(session, token)
    if row is None:
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    return Visitor(person, roles_of(session, person), anchor=f"session|{row.digest}"), row


def session_visitor(session: Session, request: Request | str | None) -> Visitor | None:
    """The person of a session cookie (given, or read off the request), if its session holds
    (not logged out, idle, revoked or expired) and the person is still active."""
    found = _session(session, request)
    return found[0] if found else None


def session_person(cookie: str | None) -> Callable[[Session], Person]:
    """Who a session cookie belongs to, read again in a command's own transaction (signed out
    or deactivated in between: refused)."""
    def identify(session: Session) -> Person:
        visitor = session_visitor(session, cookie)
        if visitor is None:
            raise RuleError("link_invalid")
        return visitor.person

    return identify


class CsrfFailed(Exception):
    """A form without its page's token: refused (403), nothing changed."""


class SignInNeeded(Exception):
    """A staff page or action without a valid session: to the sign-in page."""


class NotHere(Exception):
    """A page this deployment does not have (404); the message says why."""


class Forbidden(Exception):
    """Signed in, but not allowed here (403); the message says why."""


def signed_in(session: Session, request: Request | str | None, roles: tuple[Role, ...] = (),
              denied: str = "") -> Visitor:
    """The signed-in person, holding one of `roles` when given; else SignInNeeded / Forbidden.
    Called in a read of the ledger (never inside a command's transaction: the session's
    last-seen time is written in a transaction of its own)."""
    found = _session(session, request)
    if found is None:
        raise SignInNeeded()
    visitor, row = found
    touch(row)
    if roles and not visitor.has(*roles):
        raise Forbidden(denied)
    return visitor


def require_csrf(anchor: str, token: Any) -> None:
    if not ctx.signer().check_csrf(anchor, str(token or "")):
        raise CsrfFailed()


def where(request: Request) -> Where:
    """The browser's address (the proxy's X-Forwarded-For, as uvicorn reads it from a trusted
    proxy) and user agent, for the sign-in record and the lock-out."""
    return Where(request.client.host if request.client else "", request.headers.get("user-agent", "")[:200])


def start_session(response: Response, request: Request, token: str) -> None:
    """Give the browser its session cookie (the session itself is in the ledger)."""
    response.set_cookie(SESSION_COOKIE, token, max_age=ctx.settings().session_hours * 3600, httponly=True,
                        samesite="lax", secure=secure_cookie(request), path="/")


def end_session(session: Session, response: Response, cookie: str | None) -> None:
    """Log out for good: the session ends in the ledger, not only in this browser."""
    ended(session, cookie)
    response.delete_cookie(SESSION_COOKIE, path="/")


def anchor(request: Request) -> str:
    """A browser's anonymous anchor (for the sign-in form's CSRF token)."""
    value = request.cookies.get(ANCHOR_COOKIE)
    if not value:
        value = secrets.token_urlsafe(24)
        request.state.new_anchor = value
    return f"anon|{value}"


def set_anchor(request: Request, response: Response) -> None:
    value = getattr(request.state, "new_anchor", None)
    if value:
        response.set_cookie(ANCHOR_COOKIE, value, httponly=True, samesite="strict", secure=secure_cookie(request),
                            path="/")


def secure_cookie(request: Request) -> bool:
    """Cookies only over HTTPS: the request's own scheme, or the portal's address behind a
    balancer that ends TLS."""
    return request.url.scheme == "https" or ctx.settings().portal_url.startswith("https://")
