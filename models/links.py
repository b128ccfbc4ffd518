"""Signed, expiring tokens: item links in mail (one person, one item), one-time sign-in
links, session cookies and CSRF tokens. HMAC-SHA256 with the server's secret; a token for
one purpose never passes as another. Single-use tokens are spent in the ledger, so a used
link says so instead of acting twice."""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlmodel import Field, Session, SQLModel

from messages import RuleError
from models.columns import utc
from models.items.lifecycle import action_words

ITEM, SIGN_IN, SESSION = "item", "sign-in", "session"


class SpentToken(SQLModel, table=True):
    """A single-use token that has done its job (by hash: the token itself is not kept)."""

    __tablename__ = "spent_token"

    digest: str = Field(primary_key=True, max_length=64)
    purpose: str = Field(max_length=20)
    spent_at: datetime = Field(sa_type=utc)
    what: str = Field(default="", max_length=200)


@dataclass(frozen=True)
class Claim:
    purpose: str
    person_id: int
    code: str  # the item, for item links; "" otherwise
    expires_at: datetime
    token: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs with the current secret; reads what the previous one signed too (during a key
    rotation the links already in people's mail keep working)."""

    def __init__(self, secret: str, previous: str = "") -> None:
        if len(secret) < 32:
            raise ValueError("the secret key must be at least 32 characters")
        self._key = secret.encode()
        self._previous = previous.encode() if previous and previous != secret else b""

    def _mac(self, body: str, key: bytes | None = None) -> str:
        return _b64(hmac.new(key or self._key, body.encode(), hashlib.sha256).digest())

    def _signed(self, body: str, mac: str) -> bool:
        return hmac.compare_digest(mac, self._mac(body)) or bool(
            self._previous and hmac.compare_digest(mac, self._mac(body, self._previous)))

    def issue(self, purpose: str, person_id: int, *, expires_at: datetime, code: str = "") -> str:
        body = _b64(json.dumps({"p": purpose, "u": person_id, "c": code, "e": int(expires_at.timestamp()),
                                "n": secrets.token_hex(6)}, separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def read(self, token: str, purpose: str, *, now: datetime, allow_expired: bool = False) -> Claim:
        body, _, mac = token.partition(".")
        if not body or not self._signed(body, mac):
            raise RuleError("link_invalid")
        try:
            raw = json.loads(_unb64(body))
            claim = Claim(raw["p"], int(raw["u"]), str(raw["c"]),
                          datetime.fromtimestamp(int(raw["e"]), tz=now.tzinfo), token)
        except (ValueError, KeyError, TypeError):
            raise RuleError("link_invalid") from None
        if claim.purpose != purpose:
            raise RuleError("link_invalid")
        if claim.expires_at <= now and not allow_expired:
            raise RuleError("link_expired", value=claim.expires_at)
        return claim

    def csrf(self, anchor: str) -> str:
        """The form token of a page: bound to its session or link, so a forged form fails."""
        return self._mac(f"csrf|{anchor}")

    def check_csrf(self, anchor: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf(anchor), token or "")


def item_link_token(signer: Signer, *, person_id: int, code: str, now: datetime, days: int) -> str:
    return signer.issue(ITEM, person_id, code=code, expires_at=now + timedelta(days=days))


def spent(session: Session, claim: Claim) -> SpentToken | None:
    return session.get(SpentToken, claim.digest)


def unspent(session: Session, claim: Claim) -> None:
    """Refuse a token already used, saying when and for what."""
    done = spent(session, claim)
    if done is not None:
        raise RuleError("link_used", value=done.spent_at, what=action_words(done.what))


def spend(session: Session, claim: Claim, *, now: datetime, what: str) -> None:
    """Mark a single-use token used, in the transaction of what it did; used twice -> refused
    (and the token's primary key refuses a concurrent second use at commit)."""
    unspent(session, claim)
    session.add(SpentToken(digest=claim.digest, purpose=claim.purpose, spent_at=now, what=what[:200]))


@lru_cache
def anchor_key(secret: str) -> bytes:
    """The audit chain's anchor key: derived from the deployment's secret, never stored
    (cached like the signer: every portal request and task opens the ledger through it)."""
    return hmac.new(secret.encode(), b"rectiflow audit anchor", hashlib.sha256).digest()


@lru_cache
def signer_for(secret: str, previous: str = "") -> Signer:
    """The signer of a deployment (cached: the secret file is read once)."""
    return Signer(secret, previous)
