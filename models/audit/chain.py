"""The append-only, hash-chained audit log (记录).

Each event stores the previous event's hash and its own hash over its content, so any
edit, deletion or reordering breaks the chain at that row. Appending bumps a single head
row first; its row lock (PostgreSQL) or the write lock (SQLite) keeps the chain linear.

The head is anchored with a keyed MAC over (seq, last hash), from the deployment's secret:
someone who rewrites an event and recomputes every later hash still cannot produce the
anchor without the secret. Items are cross-checked against what their events say.
"""

import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Field, Session, SQLModel, col, select

from models.columns import json_type, utc

GENESIS = "0" * 64


class ChainHead(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    last_hash: str = Field(default=GENESIS, max_length=64)
    # HMAC-SHA256(anchor key, "seq:last_hash"); "" until the ledger is first anchored.
    mac: str = Field(default="", max_length=64)


_anchor_key: bytes | None = None


def use_anchor_key(key: bytes) -> None:
    """The process's anchor key (derived from the deployment's secret when the ledger opens)."""
    global _anchor_key
    _anchor_key = key


def anchor_mac(key: bytes, seq: int, last_hash: str) -> str:
    return hmac.new(key, f"{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


class Event(SQLModel, table=True):
    seq: int = Field(primary_key=True)
    at: datetime = Field(sa_type=utc)
    finding_id: int | None = Field(default=None, foreign_key="finding.id", index=True)
    actor: str = Field(max_length=254)  # an email, or "system"
    kind: str = Field(max_length=40)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=json_type())
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


def _digest(seq: int, at: datetime, finding_id: int | None, actor: str, kind: str,
            data: dict[str, Any], prev_hash: str) -> str:
    body = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), finding_id, actor, kind, data, prev_hash],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def ensure_chain_head(session: Session) -> None:
    if session.get(ChainHead, 1) is None:
        session.add(ChainHead(id=1))
        session.flush()


def append_event(session: Session, *, finding_id: int | None, actor: str, kind: str,
                 data: dict[str, Any], now: datetime) -> None:
    """Append one event now, or at the end of the enclosing `batched_events` block."""
    pending = session.info.get(BATCH)
    if pending is None:
        append_events(session, [(finding_id, actor, kind, data)], now=now)
        return
    pending.append((now, (finding_id, actor, kind, data)))
    if len(pending) >= BATCH_SIZE:  # chained as the batch goes, so its memory stays bounded
        _chain_pending(session, pending)


BATCH_SIZE = 1000


BATCH = "audit_batch"


@contextmanager
def batched_events(session: Session) -> Iterator[None]:
    """Collect the events a long batch (an imported sheet) appends and chain them a thousand at
    a time, in order: one head update per thousand instead of two per event. Nested blocks join
    the outer. A block that fails leaves its transaction to be rolled back."""
    if BATCH in session.info:
        yield
        return
    session.info[BATCH] = []
    try:
        yield
    finally:
        pending = session.info.pop(BATCH)
    _chain_pending(session, pending)  # only reached when the block succeeded


def _chain_pending(session: Session, pending: list[tuple[datetime, Any]]) -> None:
    for when, group in groupby(pending, key=lambda p: p[0]):
        append_events(session, [entry for _, entry in group], now=when)
    pending.clear()


def append_events(session: Session, entries: list[tuple[int | None, str, str, dict[str, Any]]], *,
                  now: datetime) -> int:
    """Append (finding_id, actor, kind, data) entries in order, taking the head's lock once.
    (synchronize_session=False: the head is never held as an object, and the ORM would
    otherwise scan every object in a long batch's session on each update.)"""
    if not entries:
        return 0
    # Hashed as stored: the ledger keeps UTC, so a moment given in another zone (a sweep for
    # 09:00+08:00 typed into the Prefect UI) must not be hashed in that zone.
    now = now.astimezone(UTC)
    number, prev = session.execute(
        update(ChainHead).where(col(ChainHead.id) == 1).values(seq=ChainHead.seq + len(entries))
        .returning(col(ChainHead.seq), col(ChainHead.last_hash)).execution_options(synchronize_session=False)
    ).one()
    number -= len(entries)
    events = []
    for finding_id, actor, kind, data in entries:
        number += 1
        # Round-trip data through JSON now so the hash is over exactly what is stored.
        data = json.loads(json.dumps(data, ensure_ascii=False, default=str))
        digest = _digest(number, now, finding_id, actor, kind, data, prev)
        events.append({"seq": number, "at": now, "finding_id": finding_id, "actor": actor, "kind": kind,
                       "data": data, "prev_hash": prev, "hash": digest})
        prev = digest
    # Inserted as rows, not ORM objects: a sweep appends thousands (an object each cost more
    # than the hashing). Nothing reads them back as objects from this session.
    for i in range(0, len(events), 1000):
        session.execute(insert(Event), events[i:i + 1000])
    mac = anchor_mac(_anchor_key, number, prev) if _anchor_key is not None else ""
    session.execute(update(ChainHead).where(col(ChainHead.id) == 1).values(last_hash=prev, mac=mac)
                    .execution_options(synchronize_session=False))
    session.flush()
    return len(events)


def verify_chain(session: Session, *, key: bytes | None = None) -> tuple[int, int | None]:
    """Walk the whole chain. Returns (events checked, first bad seq or None). With the anchor
    key, the head's MAC must match too: a rewritten chain with recomputed hashes fails at its
    end (seq checked + 1)."""
    prev, expected_seq, checked = GENESIS, 1, 0
    rows = session.exec(select(Event).order_by(col(Event.seq)).execution_options(yield_per=1000))
    for ev in rows:
        if ev.seq != expected_seq or ev.prev_hash != prev:
            return checked, ev.seq
        if _digest(ev.seq, ev.at, ev.finding_id, ev.actor, ev.kind, ev.data, ev.prev_hash) != ev.hash:
            return checked, ev.seq
        prev, expected_seq, checked = ev.hash, expected_seq + 1, checked + 1
    head = session.get(ChainHead, 1)
    if head is not None and (head.seq != checked or head.last_hash != prev):
        return checked, checked + 1  # the tail was cut off
    if key is not None and checked and (head is None or not hmac.compare_digest(
            head.mac, anchor_mac(key, checked, prev))):
        return checked, checked + 1  # rewritten without the secret (or never anchored)
    return checked, None


def anchor_chain(session: Session, *, key: bytes) -> bool:
    """Anchor a ledger that has no anchor yet (written before anchors existed), if its chain
    is intact: an upgrade never blesses a broken chain. Says whether it anchored."""
    head = session.get(ChainHead, 1)
    if head is None or head.mac or head.seq == 0:  # an empty chain is anchored by its first event
        return False
    return _anchor_if_intact(session, head, check_with=None, key=key)


def _anchor_if_intact(session: Session, head: ChainHead, *, check_with: bytes | None, key: bytes) -> bool:
    """Anchor the chain under `key` if it verifies whole (under `check_with`, when given)."""
    if verify_chain(session, key=check_with)[1] is not None:
        return False
    head.mac = anchor_mac(key, head.seq, head.last_hash)
    session.add(head)
    session.flush()
    return True


def reanchor_chain(session: Session, *, old_key: bytes, new_key: bytes) -> bool:
    """After the deployment's secret changed: anchor the chain under the new key, only if it
    verifies whole under the old one (a rotation never blesses a broken chain)."""
    head = session.get(ChainHead, 1)
    if head is None or head.seq == 0:
        return False
    if head.mac and hmac.compare_digest(head.mac, anchor_mac(new_key, head.seq, head.last_hash)):
        return False  # already under the new key
    return _anchor_if_intact(session, head, check_with=old_key if head.mac else None, key=new_key)
