"""Tampering with the ledger behind the application's back: edited events with every later
hash recomputed, items edited directly, the anchor forged or dropped."""

import hashlib
import json
from datetime import date

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from models.audit.chain import ChainHead, Event, _digest, use_anchor_key, verify_chain
from models.audit.items import item_mismatches
from store.db import reading, transaction
from tests.conftest import at
from tests.models.helpers import file_and_assign

NOW = at("2026-11-26 10:00")
KEY = hashlib.sha256(b"test anchor").digest()


@pytest.fixture(autouse=True)
def anchored():
    use_anchor_key(KEY)
    yield


def ledger_with_items(engine, policy, n: int = 3) -> list[str]:
    return [file_and_assign(engine, now=NOW, policy=policy) for _ in range(n)]


def verified(engine) -> tuple[int, int | None]:
    with reading(engine) as s:
        return verify_chain(s, key=KEY)


def rewrite_from(engine, seq: int, change) -> None:
    """Edit one event and recompute every later hash and the head, as a careful forger would."""
    with transaction(engine) as s:
        events = list(s.exec(select(Event).order_by(Event.seq)))
        prev = events[seq - 2].hash if seq > 1 else "0" * 64
        for ev in events[seq - 1:]:
            data = json.loads(json.dumps(change(ev) if ev.seq == seq else dict(ev.data), default=str))
            digest = _digest(ev.seq, ev.at, ev.finding_id, ev.actor, ev.kind, data, prev)
            s.execute(update(Event).where(Event.seq == ev.seq).values(data=data, prev_hash=prev, hash=digest))
            prev = digest
        s.execute(update(ChainHead).where(ChainHead.id == 1).values(last_hash=prev))


def test_an_intact_anchored_chain_verifies(engine, policy):
    ledger_with_items(engine, policy)
    assert verified(engine) == (6, None)


def test_a_rewritten_chain_with_recomputed_hashes_fails_at_the_anchor(engine, policy):
    ledger_with_items(engine, policy)
    rewrite_from(engine, 2, lambda ev: {**ev.data, "owner": "mallory@example.org"})
    with reading(engine) as s:
        assert verify_chain(s) == (6, None)  # without the key the forgery would pass
    assert verified(engine) == (6, 7)


@pytest.mark.parametrize("mac", ["", "0" * 64, "f" * 64])
def test_a_dropped_or_forged_anchor_fails(engine, policy, mac):
    ledger_with_items(engine, policy)
    with transaction(engine) as s:
        s.execute(update(ChainHead).where(ChainHead.id == 1).values(mac=mac))
    assert verified(engine)[1] is not None


def test_events_appended_later_keep_the_anchor_current(engine, policy):
    ledger_with_items(engine, policy, 1)
    assert verified(engine) == (2, None)
    ledger_with_items(engine, policy, 2)
    assert verified(engine) == (6, None)


@pytest.mark.parametrize("column,value,field", [
    ("state", "'closed'", "state"),
    ("due_on", "'2030-01-01'", "due_on"),
    ("owner_id", "(SELECT id FROM person WHERE email = 'liang.xue@example.org')", "owner"),
    ("version", "version + 1", "version"),
])
def test_an_item_edited_in_the_database_disagrees_with_its_history(engine, policy, column, value, field):
    codes = ledger_with_items(engine, policy)
    with reading(engine) as s:
        assert item_mismatches(s) == []
    with transaction(engine) as s:
        s.execute(text(f"UPDATE finding SET {column} = {value} WHERE code = :code"), {"code": codes[1]})
    with reading(engine) as s:
        found = item_mismatches(s)
    assert [(m.code, m.field) for m in found] == [(codes[1], field)]
    assert verified(engine) == (6, None)  # the events themselves are untouched


def test_every_command_keeps_items_and_history_in_agreement(engine, policy):
    """The replay knows every command: a ledger driven through each one shows no mismatch."""
    from models.items import commands as cmd
    from models.items.extension import decide_extension, request_extension
    from models.people.directory import finding_by_code, person_by_email

    code, other, third = ledger_with_items(engine, policy)
    with transaction(engine) as s:
        f = finding_by_code(s, code)
        request_extension(s, actor=person_by_email(s, "gao.peng@example.org"), finding=f, to=date(2027, 1, 29),
                          reason="设备", now=NOW, policy=policy)
        decide_extension(s, actor=person_by_email(s, "sun.hongmei@example.org"), finding=f, approve=True, now=NOW,
                         policy=policy)
        cmd.reassign(s, actor=person_by_email(s, "sun.hongmei@example.org"), finding=f, to="liang.xue@example.org",
                     now=NOW, policy=policy)
        cmd.submit(s, actor=person_by_email(s, "liang.xue@example.org"), finding=f, account="已整改", files=[],
                   now=NOW, policy=policy)
        cmd.return_item(s, actor=person_by_email(s, "zhou.jing@example.org"), finding=f, reason="补充",
                        new_due=date(2027, 2, 26), now=NOW, policy=policy)
        g = finding_by_code(s, other)
        cmd.submit(s, actor=person_by_email(s, "gao.peng@example.org"), finding=g, account="已整改", files=[],
                   now=NOW, policy=policy)
        cmd.accept(s, actor=person_by_email(s, "zhou.jing@example.org"), finding=g, now=NOW, policy=policy)
        cmd.withdraw(s, actor=person_by_email(s, "zhou.jing@example.org"), finding=finding_by_code(s, third),
                     reason="误报", now=NOW, policy=policy)
    with reading(engine) as s:
        assert item_mismatches(s) == []
    assert verified(engine)[1] is None
