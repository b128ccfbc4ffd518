"""The transactional outbox: mail is written with the change that causes it.

A command adds Notification rows in its own transaction; delivery sends them later. The
unique dedupe key makes a repeated command or pass add nothing twice. A message for someone
with messenger channels (models/people/channels.py) is one row per channel besides the mail,
each with its own key (the mail's, "@" the channel's kind), its own retries and its own failure.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Index, and_, func, insert, or_, select
from sqlmodel import Field, Session, SQLModel, col

from models.columns import enum_type, json_type, stored_id, utc
from models.people.channels import carries, channels_of


class MailStatus(StrEnum):
    pending = "pending"
    sending = "sending"  # claimed by a deliverer; a stale claim is retried
    sent = "sent"
    failed = "failed"  # gave up after the last attempt; visible in the ledger
    cancelled = "cancelled"


class Notification(SQLModel, table=True):
    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(unique=True, max_length=200)
    finding_id: int | None = Field(default=None, foreign_key="finding.id", index=True)
    recipient_id: int = Field(foreign_key="person.id")
    recipient_email: str = Field(max_length=254)
    template: str = Field(max_length=40)
    language: str = Field(default="zh", max_length=5)
    context: dict[str, Any] = Field(default_factory=dict, sa_type=json_type())
    status: MailStatus = Field(default=MailStatus.pending, sa_type=enum_type(MailStatus))
    attempts: int = 0
    created_at: datetime = Field(sa_type=utc)
    next_attempt_at: datetime = Field(sa_type=utc)
    claimed_at: datetime | None = Field(default=None, sa_type=utc)
    sent_at: datetime | None = Field(default=None, sa_type=utc)
    error: str = Field(default="", max_length=1000)
    channel_id: int | None = Field(default=None, foreign_key="channel.id")  # None: mail


def enqueue(session: Session, *, dedupe_key: str, recipient_id: int, recipient_email: str,
            template: str, language: str, context: dict[str, Any], now: datetime,
            finding_id: int | None = None, check: bool = True) -> Notification | None:
    """Add one mail to the outbox unless its dedupe key is already there (`check=False`: the
    caller has looked already; the unique key still refuses a duplicate)."""
    taken = select(col(Notification.id)).where(col(Notification.dedupe_key) == dedupe_key)
    if check and session.execute(taken).first():
        return None
    mail = outbox_row(dedupe_key=dedupe_key, recipient_id=recipient_id, recipient_email=recipient_email,
                      template=template, language=language, context=context, now=now, finding_id=finding_id)
    row = Notification(**mail)
    session.add(row)
    for extra in messenger_rows(session, [mail]):  # the same message for the person's messengers
        session.add(Notification(**extra))
    return row


def outbox_row(*, dedupe_key: str, recipient_id: int, recipient_email: str, template: str, language: str,
               context: dict[str, Any], now: datetime, finding_id: int | None = None) -> dict[str, Any]:
    """One mail as a row for `add_rows` (what `enqueue` adds as an object)."""
    return {"dedupe_key": dedupe_key, "finding_id": finding_id, "recipient_id": recipient_id,
            "recipient_email": recipient_email, "template": template, "language": language, "context": context,
            "status": MailStatus.pending, "attempts": 0, "created_at": now, "next_attempt_at": now,
            "claimed_at": None, "sent_at": None, "error": "", "channel_id": None}


def messenger_rows(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same messages for each recipient's messenger channels that carry them."""
    found = channels_of(session, sorted({r["recipient_id"] for r in rows}))
    return [{**r, "dedupe_key": f"{r['dedupe_key']}@{ch.kind.value}", "channel_id": ch.id}
            for r in rows for ch in found.get(r["recipient_id"], []) if carries(ch, r["template"])]


def add_rows(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Add many mails at once (the caller has checked their keys; the unique key still refuses
    a duplicate). Returns each one's id by dedupe key."""
    ids: dict[str, int] = {}
    for i in range(0, len(rows), 1000):
        chunk = rows[i:i + 1000]
        session.execute(insert(Notification), chunk)
        keys = [r["dedupe_key"] for r in chunk]
        found = session.execute(select(col(Notification.dedupe_key), col(Notification.id))
                                .where(col(Notification.dedupe_key).in_(keys)))
        ids.update((key, id_) for key, id_ in found)
    return ids


# Mail about several items at once (an import's one mail per owner) names them in its context.
BATCH_TEMPLATES = ("assigned_batch",)


def tried_not_sent() -> ColumnElement[bool]:
    """Mail a deliverer has tried at least once and not yet sent (waiting on the relay)."""
    return and_(col(Notification.status).in_([MailStatus.pending, MailStatus.sending]),
                col(Notification.attempts) > 0)


def mail_trouble(session: Session, codes: dict[int, str]) -> dict[int, tuple[int, int]]:
    """Per item (id -> code): mail tried and not yet sent (waiting for the relay), and mail that
    failed; an import's batch mail counts for every item it lists."""
    troubled = or_(col(Notification.status) == MailStatus.failed, tried_not_sent())
    found: dict[int, tuple[int, int]] = {}

    def count(finding_id: int, status: MailStatus, n: int) -> None:
        waiting, failed = found.get(finding_id, (0, 0))
        found[finding_id] = (waiting, failed + n) if status == MailStatus.failed else (waiting + n, failed)

    finding_ids = list(codes)
    for i in range(0, len(finding_ids), 500):
        query = (select(col(Notification.finding_id), col(Notification.status), func.count())
                 .where(col(Notification.finding_id).in_(finding_ids[i:i + 500]), troubled)
                 .group_by(col(Notification.finding_id), Notification.status))
        for finding_id, status, n in session.execute(query):
            count(finding_id, status, n)
    by_code = {code: finding_id for finding_id, code in codes.items()}
    for status, context in session.execute(select(col(Notification.status), col(Notification.context)).where(
            col(Notification.finding_id).is_(None), col(Notification.template).in_(BATCH_TEMPLATES), troubled)):
        for item in (context or {}).get("items") or []:
            if (finding_id := by_code.get(item.get("code"))) is not None:
                count(finding_id, status, 1)
    return found


CLAIM_LEASE = timedelta(minutes=10)  # a deliverer that held a row longer has died (kill -9, a lost machine)


def stranded(wall: datetime) -> ColumnElement[bool]:
    """Rows claimed by a deliverer that is gone: claimed longer than the lease ago by the real
    clock (`wall`), or at a moment ahead of it (a claim an older version took at a sweep's
    simulated moment, which no real clock would ever see expire)."""
    return and_(col(Notification.status) == MailStatus.sending,
                or_(col(Notification.claimed_at) < wall - CLAIM_LEASE,
                    col(Notification.claimed_at) > wall + CLAIM_LEASE))


def troubled_mail(session: Session, *, failed_only: bool, wall: datetime, limit: int = 200) -> list[Notification]:
    """Mail that failed or was stranded by a deliverer that died, or (without failed_only) also
    mail waiting on the relay, oldest first."""
    where = or_(col(Notification.status) == MailStatus.failed, stranded(wall))
    if not failed_only:
        where = or_(where, tried_not_sent())
    return list(session.scalars(select(Notification).where(where).order_by(col(Notification.id)).limit(limit)))


def retry_mail(session: Session, *, ids: list[int], all_failed: bool, now: datetime) -> list[int]:
    """Send failed, waiting or stranded mail again now, with a fresh attempt budget (`now`:
    the real clock, which a claim's lease runs on)."""
    query = select(Notification).where(or_(col(Notification.status).in_([MailStatus.failed, MailStatus.pending]),
                                           stranded(now)))
    if all_failed:
        query = query.where(or_(col(Notification.status) == MailStatus.failed, stranded(now)))
    else:
        query = query.where(col(Notification.id).in_(ids))
    again = []
    for row in session.scalars(query):
        row.status, row.attempts, row.next_attempt_at, row.claimed_at = MailStatus.pending, 0, now, None
        session.add(row)
        again.append(stored_id(row))
    return again
