"""Deliver the outbox: claim due rows, send them over one SMTP connection, mark each.

A row is claimed (pending -> sending) in its own transaction before sending, so two
deliverers never take the same row; it is marked sent right after the server accepts it.
If the process dies between the two, the claim goes stale and the row is retried after
the lease (at-least-once; the Message-ID repeats, so mail clients fold the duplicate); the
lost claim counts as an attempt, so a message that kills its deliverer ends as failed.

A relay that cannot be reached (refused, timed out, 4xx) only delays mail: the row is tried
again with exponential backoff, capped, for as long as the outage lasts. A message the relay
refuses for good (5xx), or one that cannot be rendered, is tried `mail_max_attempts` times
and then marked failed: visible in `show`, `ledger`, the item page and `rectiflow mail list`,
and sent again by `rectiflow mail retry`.
"""

import hashlib
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, and_, or_, update
from sqlmodel import col, select

from models.columns import stored_id
from models.links import Signer, item_link_token, signer_for
from models.outbox import MailStatus, Notification, stranded
from models.people.channels import Channel
from store.db import transaction
from store.secret import load_secret
from store.settings import Settings

if TYPE_CHECKING:
    from emails.message import Message

    from notifications.render import RenderedMail

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)  # dedupe keys
    retry: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {len(self.sent)}, to retry {len(self.retry)}, failed {len(self.failed)}"


LOST_CLAIM = "the deliverer stopped while sending (claim expired); counted as an attempt"


def _claim(engine: Engine, *, now: datetime, wall: datetime, finding_id: int | None, limit: int,
           max_attempts: int) -> list[Notification]:
    """Claim what is due at `now` (a sweep's moment may lie ahead) and what a dead deliverer
    left; a claim is stamped and expires by the real clock (`wall`): it is about processes."""
    with transaction(engine) as session:
        due = or_(
            and_(col(Notification.status) == MailStatus.pending, col(Notification.next_attempt_at) <= now),
            stranded(wall),
        )
        query = select(Notification).where(due).order_by(col(Notification.id)).limit(limit)
        if finding_id is not None:
            query = query.where(col(Notification.finding_id) == finding_id)
        rows = []
        for row in session.exec(query.with_for_update(skip_locked=True)):
            if row.status is MailStatus.sending:  # a lost claim: its attempt counts
                row.attempts, row.error = row.attempts + 1, LOST_CLAIM
                if row.attempts >= max_attempts:
                    row.status = MailStatus.failed
                    session.add(row)
                    continue
            row.status, row.claimed_at = MailStatus.sending, wall
            session.add(row)
            rows.append(row)
        return rows


def permanent(exc: BaseException | None, status_code: int | None = None) -> bool:
    """Whether the relay refused this message for good (5xx), as opposed to not being reachable
    or being busy (connection errors, timeouts, 4xx): only the former ever ends as failed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPConnectError | smtplib.SMTPServerDisconnected):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    if exc is None:
        return status_code is not None and status_code >= 500
    return False


def _message(row: Notification, mail: "RenderedMail", settings: Settings) -> "Message":
    from emails.message import Message

    domain = settings.mail_from.rpartition("@")[2] or "rectiflow"
    msg_id = hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:32]
    message = Message(
        subject=mail.subject, html=mail.html, text=mail.text,
        mail_from=(settings.mail_from_name, settings.mail_from),
        message_id=f"<{msg_id}@{domain}>",
        headers={"X-Rectiflow-Key": row.dedupe_key},
    )
    for a in mail.attachments:
        message.attach(data=a.data, filename=a.filename, mime_type=a.mime_type,
                       content_disposition="inline" if a.inline else "attachment")
    return message


def personal_links(signer: Signer, settings: Settings, person_id: int, now: datetime) -> Callable[[str], str]:
    """Links in a mail act for its recipient only, on one item each, until they expire."""
    base = settings.portal_url.rstrip("/")

    def link(code: str) -> str:
        return f"{base}/l/{item_link_token(signer, person_id=person_id, code=code, now=now, days=settings.link_days)}"

    return link


def _finish(engine: Engine, row: Notification, *, ok: bool, error: str, now: datetime,
            settings: Settings, final: bool) -> MailStatus:
    attempts = row.attempts + 1
    if ok:
        status = MailStatus.sent
        values: dict[str, Any] = {"status": status, "sent_at": now, "attempts": attempts, "error": ""}
    elif final and attempts >= settings.mail_max_attempts:
        status = MailStatus.failed
        values = {"status": status, "attempts": attempts, "error": error[:1000]}
    else:
        wait = min(settings.mail_retry_base_seconds * 2 ** (attempts - 1), settings.mail_retry_cap_seconds)
        status = MailStatus.pending
        values = {"status": status, "attempts": attempts, "error": error[:1000],
                  "next_attempt_at": now + timedelta(seconds=wait)}
    with transaction(engine) as session:
        session.execute(update(Notification).where(col(Notification.id) == row.id).values(**values))
    return status


def _send_one(row: Notification, *, backend: Any, signer: Signer, settings: Settings,
              now: datetime) -> tuple[str, bool]:
    """Render and send one row: ("", False) once the relay took it; else the error, and whether
    it is final (a refusal or a row that cannot be rendered) rather than an outage."""
    try:
        from notifications.render import render  # jinja2's lexer costs 90 ms to import

        mail = render(row.template, language=row.language, context=dict(row.context),
                      portal_url=settings.portal_url, stamp=now,
                      item_url=personal_links(signer, settings, row.recipient_id, now))
    except Exception as exc:  # it will not render next time either
        return f"{type(exc).__name__}: {exc}", True
    try:
        response = _message(row, mail, settings).send(to=row.recipient_email, smtp=backend)
    except Exception as exc:  # an outage (it only delays) or a refusal (5xx: final)
        backend.close()  # the connection may be half-dead; reopen for the next row
        return f"{type(exc).__name__}: {exc}", permanent(exc)
    if response is not None and response.success:
        return "", False
    return (str(getattr(response, "error", "no response")),
            permanent(getattr(response, "error", None), getattr(response, "status_code", None)))


def _post_one(row: Notification, channel: Channel, *, clients: Any, signer: Signer, settings: Settings,
              now: datetime) -> tuple[str, bool]:
    """The same message, short, to a messenger channel (notifications/messenger.py)."""
    from notifications import messenger

    try:
        from notifications.render import render

        links = personal_links(signer, settings, row.recipient_id, now)
        mail = render(row.template, language=row.language, context=dict(row.context), portal_url=settings.portal_url,
                      stamp=now, item_url=links)
        text = messenger.markdown(template=row.template, language=row.language, subject=mail.subject,
                                  context=dict(row.context), item_url=links)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}", True
    return messenger.post(clients, channel, title=mail.subject, text=text, key=row.dedupe_key,
                          template=row.template, settings=settings)


def _channels(engine: Engine, rows: list[Notification]) -> dict[int, Channel]:
    ids = {r.channel_id for r in rows if r.channel_id is not None}
    if not ids:
        return {}
    with transaction(engine) as session:
        return {stored_id(c): c for c in session.exec(select(Channel).where(col(Channel.id).in_(ids)))}


def _cancel(engine: Engine, row: Notification, why: str) -> None:
    with transaction(engine) as session:
        session.execute(update(Notification).where(col(Notification.id) == row.id)
                        .values(status=MailStatus.cancelled, error=why))


def deliver(engine: Engine, *, settings: Settings, now: datetime, finding_id: int | None = None,
            limit: int = 500, wall: datetime | None = None) -> DeliveryReport:
    """Send what is due at `now` (for one item, or all). Safe to run concurrently and
    repeatedly. `wall`: the real clock (default: read here), which claims run on."""
    wall = wall or datetime.now(UTC)
    report = DeliveryReport()
    # Before claiming anything: a signer that cannot be made must not strand claimed rows.
    signer = signer_for(load_secret(settings.secret_key, settings.data_dir))
    rows = _claim(engine, now=now, wall=wall, finding_id=finding_id, limit=limit,
                  max_attempts=settings.mail_max_attempts)
    if not rows:
        return report
    channels = _channels(engine, rows)
    # emails (with dkim and dns) is imported only when there is mail to send: most case
    # passes have none, and it was a third of what a pass imports.
    from notifications.smtp import backend_for

    backend = backend_for(settings)
    clients = None
    try:
        for row in rows:
            if row.channel_id is None:
                error, final = _send_one(row, backend=backend, signer=signer, settings=settings, now=now)
            elif (channel := channels.get(row.channel_id)) is None or not channel.active:  # removed since
                _cancel(engine, row, "the channel was removed")
                continue
            else:
                if clients is None:
                    from notifications.messenger import Clients

                    clients = Clients(settings)
                error, final = _post_one(row, channel, clients=clients, signer=signer, settings=settings, now=now)
            status = _finish(engine, row, ok=not error, error=error, now=now, settings=settings, final=final)
            {MailStatus.sent: report.sent, MailStatus.pending: report.retry}.get(
                status, report.failed).append(row.dedupe_key)
            if error:
                log.warning("mail %s not sent: %s", row.dedupe_key, error)
    finally:
        backend.close()
        if clients is not None:
            clients.close()
    return report
