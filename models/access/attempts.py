"""Every sign-in, good or bad, with its method and address (等保 2.0, security audit), and
the lock-out it feeds: after `limit` failures within `window` for one person or from one
address, sign-in is refused until `window` has passed since the last of them, whichever
method is tried. A success clears a person's count (not an address's: many people share a
bureau's address, and an attacker's own account must not unlock it)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Index, func
from sqlmodel import Field, Session, SQLModel, col, select

from models.access.sessions import SignInMethod
from models.columns import enum_type, utc


class SignInAttempt(SQLModel, table=True):
    __tablename__ = "sign_in_attempt"
    # The lock-out reads a person's, or an address's, latest attempts: by (who, when).
    __table_args__ = (Index("ix_sign_in_attempt_person_at", "person_id", "at"),
                      Index("ix_sign_in_attempt_address_at", "address", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=utc, index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    # What was typed, when it names nobody known (bounded; an unknown identity is recorded too).
    identity: str = Field(default="", max_length=254)
    address: str = Field(default="", max_length=64)
    method: SignInMethod = Field(sa_type=enum_type(SignInMethod))
    ok: bool = False
    why: str = Field(default="", max_length=40)  # e.g. bad_password, bad_code, unknown, locked


@dataclass(frozen=True)
class LockOut:
    limit: int
    window: timedelta


def record(session: Session, *, now: datetime, method: SignInMethod, ok: bool, why: str = "",
           person_id: int | None = None, identity: str = "", address: str = "") -> None:
    session.add(SignInAttempt(at=now, person_id=person_id, identity=identity[:254], address=address[:64],
                              method=method, ok=ok, why=why[:40]))


def _last_success(session: Session, person_id: int) -> datetime | None:
    return session.exec(select(func.max(SignInAttempt.at)).where(
        col(SignInAttempt.person_id) == person_id, col(SignInAttempt.ok) == True)).first()  # noqa: E712


def locked_until(session: Session, *, now: datetime, rule: LockOut, person_id: int | None = None,
                 address: str = "") -> datetime | None:
    """When sign-in opens again for this person or address, or None if it is open now."""
    since = now - rule.window
    scopes = []  # (whose attempts, counted after when)
    if person_id is not None:
        last_ok = _last_success(session, person_id)
        scopes.append((col(SignInAttempt.person_id) == person_id, max(since, last_ok) if last_ok else since))
    if address:
        scopes.append((col(SignInAttempt.address) == address, since))
    until: datetime | None = None
    for scope, after in scopes:
        failures = list(session.exec(select(SignInAttempt.at).where(
            scope, col(SignInAttempt.ok) == False, col(SignInAttempt.at) > after)  # noqa: E712
            .order_by(col(SignInAttempt.at).desc()).limit(rule.limit)))
        if len(failures) >= rule.limit:
            opens = failures[0] + rule.window
            until = opens if until is None or opens > until else until
    return until
