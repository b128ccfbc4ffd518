"""Records kept as long as the audit needs and no longer: access records pruned only past the
retention period (never under 180 days); a departed person's data erased but what the audit
chain recorded (个人信息保护法)."""

from datetime import timedelta
from pathlib import Path

from sqlmodel import col, func, select

from models.access.attempts import SignInAttempt, record
from models.access.sessions import PortalSession, SignInMethod
from models.audit.chain import Event, verify_chain
from models.links import SpentToken
from models.outbox import MailStatus, Notification
from models.people.channels import Channel, ChannelKind, set_channel
from models.people.directory import person_by_email
from models.people.org import Membership, Person
from services import context as ctx
from store.db import reading, transaction
from tests.app.web import ADMIN
from tests.stack import Stack

LEAVER = "liu.yang@example.org"  # an owner of 办公室党支部


def test_access_records_are_pruned_only_past_the_retention_period(stack: Stack):
    now = ctx.now()
    with transaction(stack.engine) as s:
        person_id = person_by_email(s, LEAVER).id
        for days in (200, 10):
            at = now - timedelta(days=days)
            record(s, now=at, method=SignInMethod.link, ok=False, why="link_invalid", address="10.1.1.1")
            s.add(PortalSession(digest=f"{days:064d}", person_id=person_id, method=SignInMethod.link, started_at=at,
                                last_seen_at=at, expires_at=at + timedelta(hours=12), ended_at=at + timedelta(hours=1)))
            s.add(SpentToken(digest=f"t{days:063d}", purpose="sign-in", spent_at=at, what="sign-in"))
            s.add(Notification(dedupe_key=f"old-mail-{days}", recipient_id=person_id, recipient_email=LEAVER,
                               template="assigned", context={"recipient": "刘洋", "title": f"{days} 天前"},
                               status=MailStatus.sent, created_at=at, next_attempt_at=at, sent_at=at))
    events_before = count(stack, Event)

    refused = stack.cli("audit", "prune", "--keep-days", "30", expect=2)
    assert refused == ""  # the refusal goes to stderr; nothing removed:
    assert (count(stack, SignInAttempt), count(stack, PortalSession), count(stack, SpentToken)) == (2, 2, 2)

    printed = stack.cli("audit", "prune")
    assert "180" in printed
    assert (count(stack, SignInAttempt), count(stack, PortalSession), count(stack, SpentToken)) == (1, 1, 1)
    with reading(stack.engine) as s:  # the old mail's record stays, its text goes; the recent one keeps it
        texts = {n.dedupe_key: n.context for n in s.exec(select(Notification).where(
            col(Notification.dedupe_key).like("old-mail-%")))}
    assert texts == {"old-mail-200": {}, "old-mail-10": {"recipient": "刘洋", "title": "10 天前"}}
    with reading(stack.engine) as s:
        assert s.exec(select(SignInAttempt)).one().at > now - timedelta(days=11)
    assert count(stack, Event) == events_before  # the audit chain is never pruned


def count(stack: Stack, table: type) -> int:
    with reading(stack.engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def test_a_departed_persons_data_is_erased_but_what_the_audit_recorded(stack: Stack, tmp_path: Path):
    now = ctx.now()
    with transaction(stack.engine) as s:
        leaver = person_by_email(s, LEAVER)
        set_channel(s, person_id=leaver.id, kind=ChannelKind.wecom, target="leaver-robot-key-123", secret="",
                    everything=True, now=now)
        record(s, now=now, method=SignInMethod.link, ok=True, person_id=leaver.id, address="10.2.2.2")
    stack.cli("org", "forget", LEAVER, "--as", ADMIN, expect=2)  # still active: refused, nothing erased
    with reading(stack.engine) as s:
        assert person_by_email(s, LEAVER).name == "刘洋"

    org = tmp_path / "left.yaml"
    org.write_text("units: []\npeople:\n  - {email: liu.yang@example.org, name: 刘洋, active: false, roles: []}\n",
                   encoding="utf-8")
    stack.cli("org", "load", str(org))
    stack.cli("org", "forget", LEAVER, "--as", "zhou.jing@example.org", expect=2)  # only an administrator
    stack.cli("org", "forget", LEAVER, "--as", ADMIN)

    with reading(stack.engine) as s:
        row = s.get(Person, leaver.id)
        assert row is not None and "刘洋" not in row.name and row.email.endswith("@left.invalid")
        channel = s.exec(select(Channel).where(col(Channel.person_id) == leaver.id)).one()
        assert (channel.target, channel.active) == ("", False)
        assert s.exec(select(SignInAttempt).where(col(SignInAttempt.person_id) == leaver.id)).one().address == ""
        assert s.exec(select(Membership).where(col(Membership.person_id) == leaver.id)).all() == []
        forgotten = s.exec(select(Event).where(col(Event.kind) == "person_forgotten")).one()
        assert forgotten.actor == ADMIN and forgotten.data == {"person_id": leaver.id}
        assert verify_chain(s)[1] is None
    stack.cli("org", "export-person", LEAVER, expect=2)  # nobody by that address any more
