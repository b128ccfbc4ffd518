"""The admins' second factor (等保 2.0, level 3: two factors for administrators): a TOTP
seed (RFC 6238, any authenticator app), sealed at rest. A code works once: the step it
belongs to is kept, so a code seen over a shoulder cannot be used again."""

import hmac
from datetime import datetime

import pyotp
from sqlmodel import Field, Session, SQLModel

from models.columns import utc
from models.sealed import Sealed

ISSUER = "rectiflow"


class SecondFactor(SQLModel, table=True):
    __tablename__ = "second_factor"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    seed: str = Field(sa_type=Sealed("second_factor.seed", 64), max_length=64)
    enrolled_at: datetime = Field(sa_type=utc)
    last_step: int = 0  # the 30-second step of the last code accepted


def new_seed() -> str:
    return pyotp.random_base32()


def provisioning_uri(seed: str, *, email: str) -> str:
    return pyotp.TOTP(seed).provisioning_uri(name=email, issuer_name=ISSUER)


def accept_code(session: Session, factor: SecondFactor, code: str, *, now: datetime) -> bool:
    """Whether `code` is the current (or the previous or next: clocks drift) code, not used
    before; an accepted code's step is kept."""
    code = "".join(ch for ch in str(code) if ch.isdigit())[:6]
    if len(code) != 6:
        return False
    totp, step = pyotp.TOTP(factor.seed), int(now.timestamp()) // 30
    for candidate in (step, step - 1, step + 1):
        if candidate > factor.last_step and hmac.compare_digest(totp.at(candidate * 30), code):
            factor.last_step = candidate
            session.add(factor)
            return True
    return False
