"""The hash-chained audit log detects edits, deletions and a cut tail."""

from sqlalchemy import delete, update
from sqlmodel import select

from models.audit.chain import ChainHead, Event, verify_chain
from store.db import transaction
from tests.conftest import at
from tests.models.helpers import file_and_assign

NOW = at("2026-11-26 10:00")


def chain(engine):
    with transaction(engine) as s:
        return verify_chain(s)


def test_chain_links_every_event(engine, policy):
    for _ in range(3):
        file_and_assign(engine, now=NOW, policy=policy)
    assert chain(engine) == (6, None)
    with transaction(engine) as s:
        events = s.exec(select(Event).order_by(Event.seq)).all()
        assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))


def test_edited_event_is_found(engine, policy):
    for _ in range(3):
        file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:
        s.execute(update(Event).where(Event.seq == 3).values(actor="someone@else.org"))
    assert chain(engine) == (2, 3)


def test_deleted_event_is_found(engine, policy):
    for _ in range(2):
        file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:
        s.execute(delete(Event).where(Event.seq == 2))
    assert chain(engine) == (1, 3)


def test_cut_tail_is_found(engine, policy):
    for _ in range(2):
        file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:
        s.execute(delete(Event).where(Event.seq == 4))
    checked, bad = chain(engine)
    assert (checked, bad) == (3, 4)
    with transaction(engine) as s:
        assert s.get(ChainHead, 1).seq == 4


def test_verify_reads_one_snapshot_while_commands_append(engine, policy, monkeypatch):
    """`audit verify` while a worker appends: the events and the anchored head it reads belong
    to one moment (PostgreSQL's READ COMMITTED would show a newer head after the events)."""
    import models.audit.chain as audit
    from store.db import reading

    key = b"k" * 32
    monkeypatch.setattr(audit, "_anchor_key", key)
    file_and_assign(engine, now=NOW, policy=policy)
    with reading(engine) as r:
        seen = len(r.exec(select(Event)).all())
        file_and_assign(engine, now=NOW, policy=policy)  # another process's command commits meanwhile
        assert verify_chain(r, key=key) == (seen, None)
    assert chain(engine) == (seen + 2, None)


def test_a_moment_in_another_zone_is_hashed_as_stored(engine, policy):
    """A sweep for 09:00+08:00 (typed into the Prefect UI form) appends events whose moment
    the ledger stores in UTC: the chain still verifies."""
    from datetime import timedelta, timezone

    from models.audit.chain import append_events

    file_and_assign(engine, now=NOW, policy=policy)
    with transaction(engine) as s:
        append_events(s, [(None, "system", "sweep", {"n": 1})], now=NOW.astimezone(timezone(timedelta(hours=8))))
    assert chain(engine) == (3, None)
