"""What a route needs, as FastAPI dependencies: a read of the ledger, the clock, and who is
asking (a signed-in visitor, with a role where the route needs one). Routes declare them
instead of opening sessions and checking cookies by hand."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session

from app.web.security import Visitor, link_visitor, signed_in
from models.items.lifecycle import READERS, WATCHERS, Command, roles_for
from models.links import unspent
from models.people.org import Role
from services import context as ctx
from store.db import reading

FILERS = roles_for(Command.file)
# Why a role is refused a page: keys of messages/portal.py.
NOT_READER, NOT_WATCHER, NOT_FILER = "not_reader", "not_watcher", "not_filer"


def _reading() -> Iterator[Session]:
    # Closed as soon as the route returns (before the page is sent): a page holds no snapshot.
    with reading(ctx.database()) as session:
        yield session


Reading = Annotated[Session, Depends(_reading, scope="function")]
Now = Annotated[datetime, Depends(ctx.now)]


def _visitor(request: Request, session: Reading) -> Visitor:
    return signed_in(session, request)


SignedIn = Annotated[Visitor, Depends(_visitor)]


def with_role(roles: tuple[Role, ...], denied: str) -> Any:
    """A signed-in visitor holding one of `roles` (else 403 saying why)."""
    def visitor(request: Request, session: Reading) -> Visitor:
        return signed_in(session, request, roles, denied)

    return Depends(visitor)


Filer = Annotated[Visitor, with_role(FILERS, NOT_FILER)]
LedgerReader = Annotated[Visitor, with_role(READERS, NOT_READER)]
Watcher = Annotated[Visitor, with_role(WATCHERS, NOT_WATCHER)]


def _acting(roles: tuple[Role, ...] = (), denied: str = "") -> Callable[[Request], Visitor]:
    """For a route that changes things: the visitor (holding one of `roles` when given),
    checked in a read of its own, closed before the route reads the body and acts, so no
    read stays open while it works."""
    def check(request: Request) -> Visitor:
        with reading(ctx.database()) as session:
            return signed_in(session, request, roles, denied)

    return check


check_visitor = _acting()
Acting = Annotated[Visitor, Depends(check_visitor)]
ActingFiler = Annotated[Visitor, Depends(_acting(FILERS, NOT_FILER))]


def _acting_by_link(token: str) -> Visitor:
    """For a link's form: the link's person while the link may still act (valid, where it was
    sent, not used), checked in a read of its own before the body is read: a bad or used link
    reads (and spools) nothing."""
    with reading(ctx.database()) as session:
        visitor = link_visitor(session, token)
        assert visitor.claim is not None
        unspent(session, visitor.claim)
        return visitor


ActingByLink = Annotated[Visitor, Depends(_acting_by_link)]
