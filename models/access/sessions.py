"""Portal sessions kept in the ledger (等保 2.0: idle timeout, an admin lists and ends
them). The browser's cookie carries a signed, random session id; the ledger keeps only its
hash, so a copied ledger opens no session."""

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Field, Session, SQLModel, col, select

from models.columns import enum_type, utc


class SignInMethod(StrEnum):
    link = "link"  # the mailed one-time link (the embedded default)
    oidc = "oidc"  # the bureau's identity platform (统一身份认证)
    ldap = "ldap"  # the directory (LDAP / Active Directory)
    code = "code"  # break-glass: a one-time code printed by `rectiflow admin code`


class Ended(StrEnum):
    logout = "logout"
    idle = "idle"
    revoked = "revoked"  # by an admin, or because the person was deactivated
    expired = "expired"


class PortalSession(SQLModel, table=True):
    __tablename__ = "portal_session"

    digest: str = Field(primary_key=True, max_length=64)
    person_id: int = Field(foreign_key="person.id", index=True)
    method: SignInMethod = Field(sa_type=enum_type(SignInMethod))
    address: str = Field(default="", max_length=64)
    agent: str = Field(default="", max_length=200)
    started_at: datetime = Field(sa_type=utc)
    last_seen_at: datetime = Field(sa_type=utc)
    expires_at: datetime = Field(sa_type=utc)
    ended_at: datetime | None = Field(default=None, sa_type=utc, index=True)
    ended_why: Ended | None = Field(default=None, sa_type=enum_type(Ended))
    ended_by_id: int | None = Field(default=None, foreign_key="person.id")


def session_digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


# A page view moves a session's last-seen time at most this often: idle timeouts are minutes,
# and a write per page would only load the ledger.
TOUCH_EVERY = timedelta(seconds=60)


def live(row: PortalSession | None, *, now: datetime, idle: timedelta) -> bool:
    return (row is not None and row.ended_at is None and now < row.expires_at
            and now < row.last_seen_at + idle)


def why_dead(row: PortalSession, *, now: datetime, idle: timedelta) -> Ended:
    """Why a session no longer holds (for the record when it is found so)."""
    if row.ended_why is not None:
        return row.ended_why
    return Ended.expired if now >= row.expires_at else Ended.idle


def open_sessions(session: Session, *, now: datetime, idle: timedelta,
                  person_id: int | None = None) -> list[PortalSession]:
    """Sessions that still hold, newest first (one person's, or everyone's)."""
    query = select(PortalSession).where(col(PortalSession.ended_at).is_(None),
                                        col(PortalSession.expires_at) > now,
                                        col(PortalSession.last_seen_at) > now - idle)
    if person_id is not None:
        query = query.where(col(PortalSession.person_id) == person_id)
    return list(session.exec(query.order_by(col(PortalSession.started_at).desc())))


def end_sessions(session: Session, *, person_id: int, now: datetime, why: Ended, by_id: int | None) -> int:
    """End every session of a person that is not ended yet (deactivated, or revoked)."""
    rows = session.exec(select(PortalSession).where(col(PortalSession.person_id) == person_id,
                                                    col(PortalSession.ended_at).is_(None)))
    ended = 0
    for row in rows:
        row.ended_at, row.ended_why, row.ended_by_id = now, why, by_id
        session.add(row)
        ended += 1
    return ended
