"""Secrets sealed at rest (等保 2.0, data confidentiality): robot keys, signing secrets and
second-factor seeds are kept in the ledger encrypted with AES-256-GCM under a key derived
from the deployment's secret, so a copied ledger file (or a dump of it) shows none of them.

A sealed value reads `sealed:1:<key id>:<base64 nonce+ciphertext>`; the column's name is
bound in as associated data, so a value moved to another column does not open. The keys
are the process's (set when the ledger opens, like the audit anchor key): the current one
seals, any of them opens, so a rotation (`rectiflow secrets rotate`) can re-seal what an
earlier secret sealed. A value written before sealing existed (plain text) is read as it is
and sealed on the next upgrade."""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine
from sqlalchemy.types import TypeDecorator

PREFIX = "sealed:1:"


class SealingError(Exception):
    """A sealed value that no key of this process opens (the secret changed without a
    rotation), or a value to seal with no key set: never a silent plain-text write."""


@dataclass(frozen=True)
class SealingKey:
    key: bytes

    @property
    def ident(self) -> str:
        return hashlib.sha256(b"rectiflow key id" + self.key).hexdigest()[:8]


def sealing_key(secret: str) -> SealingKey:
    """The sealing key of a deployment secret (HKDF-SHA256, its own purpose: it never equals
    the link signer's or the audit anchor's key)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"rectiflow", info=b"rectiflow sealing v1")
    return SealingKey(hkdf.derive(secret.encode()))


_keys: tuple[SealingKey, ...] = ()
_by_dialect: "WeakKeyDictionary[Any, tuple[SealingKey, ...]]" = WeakKeyDictionary()


def use_sealing_keys(current: SealingKey, *previous: SealingKey, engine: Engine | None = None) -> None:
    """The keys of a ledger's engine (else of the process): `current` seals; every one opens.
    Per engine, because one process may open the ledgers of two deployments (tests do)."""
    global _keys
    keys = (current, *(k for k in previous if k != current))
    if engine is None:
        _keys = keys
    else:
        _by_dialect[engine.dialect] = keys


def keys_for(dialect: Any) -> tuple[SealingKey, ...]:
    return _by_dialect.get(dialect, _keys) if dialect is not None else _keys


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(value: str, *, purpose: str, keys: tuple[SealingKey, ...]) -> str:
    if not keys:
        raise SealingError("no sealing key: the ledger was not opened through the deployment's secret")
    key = keys[0]
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(key.key).encrypt(nonce, value.encode(), purpose.encode())
    return f"{PREFIX}{key.ident}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(value: str, *, purpose: str, keys: tuple[SealingKey, ...]) -> str:
    """The plain value; a plain-text value (written before sealing) as it is."""
    if not is_sealed(value):
        return value
    ident, _, body = value[len(PREFIX):].partition(":")
    raw = base64.b64decode(body)
    for key in keys:
        if key.ident == ident:
            try:
                return AESGCM(key.key).decrypt(raw[:12], raw[12:], purpose.encode()).decode()
            except InvalidTag:
                break
    raise SealingError(f"{purpose}: sealed under key {ident}, which this deployment's secret does not give"
                       " (set RECTIFLOW_PREVIOUS_SECRET_KEY to the old secret and run `rectiflow secrets rotate`)")


def sealed_width(plain: int) -> int:
    """Characters a sealed value of `plain` characters (UTF-8, up to 4 bytes each) needs."""
    return len(PREFIX) + 9 + 4 * ((12 + 4 * plain + 16 + 2) // 3)


def needs_sealing(value: str | None, *, keys: tuple[SealingKey, ...]) -> bool:
    """A stored value that is plain text, or sealed under a key other than the current one."""
    if not value:
        return False
    return not keys or not value.startswith(f"{PREFIX}{keys[0].ident}:")


class Sealed(TypeDecorator[str]):
    """A text column kept sealed: plain text in Python, AES-GCM in the database. The empty
    string stays empty (a removed channel's wiped key)."""

    impl = sa.String
    cache_ok = True

    def __init__(self, purpose: str, length: int) -> None:
        super().__init__(length=sealed_width(length))
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if not value:
            return value
        return seal(value, purpose=self.purpose, keys=keys_for(dialect))

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if not value:
            return value
        return unseal(value, purpose=self.purpose, keys=keys_for(dialect))


def reseal(session: Any, tables: list[sa.Table], *, keys: tuple[SealingKey, ...]) -> int:
    """Seal, under the current key, every value of a sealed column that is plain text (written
    before sealing existed) or sealed under an earlier key. Returns how many were sealed."""
    done = 0
    for table in tables:
        sealed_columns = {c.name: c.type.purpose for c in table.columns if isinstance(c.type, Sealed)}
        if not sealed_columns:
            continue
        # The stored text as it is, through a plain view of the table (no sealing on the way).
        key = [c.name for c in table.primary_key.columns]
        raw = sa.table(table.name, *(sa.column(n) for n in key), *(sa.column(n, sa.String) for n in sealed_columns))
        for row in session.execute(sa.select(raw)).mappings().all():
            fresh = {n: seal(unseal(row[n], purpose=p, keys=keys), purpose=p, keys=keys)
                     for n, p in sealed_columns.items() if needs_sealing(row[n], keys=keys)}
            if fresh:
                where = sa.and_(*(raw.c[k] == row[k] for k in key))
                session.execute(sa.update(raw).where(where).values(fresh))
                done += len(fresh)
    return done
