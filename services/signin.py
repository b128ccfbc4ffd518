"""Portal sessions and the sign-in record, whichever way a person comes in (a mailed link,
the identity platform, the directory, a break-glass code): every attempt recorded with its
address, the lock-out checked before anything is tried, sessions kept in the ledger so they
end when idle and an admin can list and end them (等保 2.0: identity, access control, audit)."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from messages import RuleError
from models.access.attempts import LockOut, locked_until, record
from models.access.sessions import (
    TOUCH_EVERY,
    Ended,
    PortalSession,
    SignInMethod,
    end_sessions,
    live,
    open_sessions,
    session_digest,
)
from models.columns import stored_id
from models.links import SESSION
from models.people.directory import person_by_email, roles_of
from models.people.org import Person, Role
from services import context as ctx
from store.db import reading, transaction


@dataclass(frozen=True)
class Where:
    """Where a sign-in comes from: the browser's address and what it says it is."""

    address: str = ""
    agent: str = ""


def idle() -> timedelta:
    return timedelta(minutes=ctx.settings().idle_minutes)


def lock_rule() -> LockOut:
    s = ctx.settings()
    return LockOut(s.lockout_failures, timedelta(minutes=s.lockout_minutes))


def check_open(session: Session, *, where: Where, person_id: int | None = None) -> None:
    """Refuse (saying until when) a sign-in from a locked address or for a locked person."""
    until = locked_until(session, now=ctx.now(), rule=lock_rule(), person_id=person_id, address=where.address)
    if until is not None:
        raise RuleError("signin_locked", value=until)


def failed(method: SignInMethod, why: str, *, where: Where, person_id: int | None = None,
           identity: str = "") -> None:
    """Record a failed attempt in a transaction of its own (the refusal changes nothing else)."""
    with transaction(ctx.database()) as session:
        record(session, now=ctx.now(), method=method, ok=False, why=why, person_id=person_id,
               identity=identity, address=where.address)


def begin_session(session: Session, person: Person, *, method: SignInMethod, where: Where) -> str:
    """A new session for `person` (in the caller's transaction, with the successful attempt
    recorded); returns the cookie's value."""
    now, hours = ctx.now(), ctx.settings().session_hours
    session_id = secrets.token_urlsafe(24)
    session.add(PortalSession(digest=session_digest(session_id), person_id=stored_id(person), method=method,
                              address=where.address[:64], agent=where.agent[:200], started_at=now,
                              last_seen_at=now, expires_at=now + timedelta(hours=hours)))
    record(session, now=now, method=method, ok=True, person_id=person.id, address=where.address)
    return ctx.signer().issue(SESSION, stored_id(person), code=session_id, expires_at=now + timedelta(hours=hours))


def session_row(session: Session, token: str | None) -> PortalSession | None:
    """The live session of a cookie, or None (forged, expired, idle, ended)."""
    if not token:
        return None
    try:
        claim = ctx.signer().read(token, SESSION, now=ctx.now())
    except RuleError:
        return None
    if not claim.code:  # a cookie from before sessions were kept in the ledger
        return None
    row = session.get(PortalSession, session_digest(claim.code))
    if row is None or row.person_id != claim.person_id or not live(row, now=ctx.now(), idle=idle()):
        return None
    return row


def touch(row: PortalSession) -> None:
    """Keep a session in use alive: its last-seen time moves, at most once a minute. This is
    the session's own bookkeeping (a mail gateway opening a link has no session cookie)."""
    now = ctx.now()
    if now - row.last_seen_at < TOUCH_EVERY:
        return
    with transaction(ctx.database()) as session:
        session.execute(update(PortalSession).where(col(PortalSession.digest) == row.digest,
                                                    col(PortalSession.ended_at).is_(None))
                        .values(last_seen_at=now))


def end_session(session: Session, token: str | None) -> None:
    """Log out for good: the session ends in the ledger, wherever its cookie was copied to."""
    row = session_row(session, token)
    if row is not None:
        row.ended_at, row.ended_why = ctx.now(), Ended.logout
        session.add(row)


@dataclass(frozen=True)
class SessionView:
    ref: str  # the first 12 characters of the digest: what an admin names to end it
    email: str
    name: str
    method: str
    address: str
    started_at: datetime
    last_seen_at: datetime


def list_sessions(email: str = "") -> list[SessionView]:
    """Sessions that hold now (one person's, or everyone's), newest first."""
    with reading(ctx.database()) as session:
        person_id = person_by_email(session, email, field="email").id if email else None
        rows = open_sessions(session, now=ctx.now(), idle=idle(), person_id=person_id)
        people = {p.id: p for p in (session.get(Person, r.person_id) for r in rows) if p is not None}
        return [SessionView(r.digest[:12], people[r.person_id].email, people[r.person_id].name, str(r.method),
                            r.address, r.started_at, r.last_seen_at) for r in rows]


def revoke(*, by: Person, ref: str = "", email: str = "") -> int:
    """An admin ends one session (by its reference) or all of a person's. Returns how many."""
    with transaction(ctx.database()) as session:
        if Role.admin not in roles_of(session, by):
            raise RuleError("not_admin", field="as", value=by.email)
        now = ctx.now()
        if email:
            person = person_by_email(session, email, field="email")
            return end_sessions(session, person_id=stored_id(person), now=now, why=Ended.revoked, by_id=by.id)
        ref = ref.strip().lower()
        if len(ref) < 8 or any(ch not in "0123456789abcdef" for ch in ref):
            raise RuleError("bad_session_ref", field="session", value=ref[:20])
        matches = [r for r in open_sessions(session, now=now, idle=idle()) if r.digest.startswith(ref)]
        if len(matches) != 1:
            raise RuleError("bad_session_ref", field="session", value=ref[:20])
        matches[0].ended_at, matches[0].ended_why, matches[0].ended_by_id = now, Ended.revoked, by.id
        session.add(matches[0])
        return 1
