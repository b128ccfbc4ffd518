"""The lock-out rule: per person and per address, counted in a sliding window, a person's
count cleared by their own success but an address's not."""

from datetime import UTC, datetime, timedelta

from models.access.attempts import LockOut, locked_until, record
from models.access.sessions import SignInMethod
from store.db import transaction

T0 = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
RULE = LockOut(3, timedelta(minutes=15))


def fail(session, minute: int, *, person_id: int | None = None, address: str = "") -> None:
    record(session, now=T0 + timedelta(minutes=minute), method=SignInMethod.ldap, ok=False, why="bad_password",
           person_id=person_id, address=address)


def test_a_person_is_locked_from_every_address_and_an_address_for_everyone(engine):
    with transaction(engine) as s:
        for minute, address in ((0, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.0.3")):
            fail(s, minute, person_id=3, address=address)
        now = T0 + timedelta(minutes=3)
        assert locked_until(s, now=now, rule=RULE, person_id=3) == T0 + timedelta(minutes=17)
        assert locked_until(s, now=now, rule=RULE, person_id=4, address="10.0.0.1") is None  # one failure there
        assert locked_until(s, now=T0 + timedelta(minutes=18), rule=RULE, person_id=3) is None  # the delay passed

        for minute in (4, 5, 6):  # someone trying three names from one address
            fail(s, minute, address="10.9.9.9")
        assert locked_until(s, now=now + timedelta(minutes=4), rule=RULE, person_id=5,
                            address="10.9.9.9") == T0 + timedelta(minutes=21)


def test_a_success_clears_a_persons_count_but_not_an_addresss(engine):
    with transaction(engine) as s:
        fail(s, 0, person_id=3, address="10.0.0.1")
        fail(s, 1, person_id=3, address="10.0.0.1")
        record(s, now=T0 + timedelta(minutes=2), method=SignInMethod.ldap, ok=True, person_id=3, address="10.0.0.1")
        fail(s, 3, person_id=3, address="10.0.0.1")
        now = T0 + timedelta(minutes=4)
        assert locked_until(s, now=now, rule=RULE, person_id=3) is None  # one failure since the success
        assert locked_until(s, now=now, rule=RULE, address="10.0.0.1") == T0 + timedelta(minutes=18)
