"""Messengers (企业微信 / 政务微信 group robots, DingTalk custom robots, a generic JSON webhook):
a person's channels besides mail. Digests go to every channel a person has; assignment,
return and decision messages too where the person chose `everything`. Mail stays the record.

What a channel holds is checked here, for both ways in (the organisation file and the
person's own page): a robot key or access token of plain characters, a signing secret, and
for a generic webhook an address on a host the deployment allows (the server posts there:
an open list would let anyone point it at the bureau's internal services)."""

import re
from datetime import datetime
from enum import StrEnum
from ipaddress import ip_address
from urllib.parse import urlsplit

from sqlmodel import Field, Session, SQLModel, UniqueConstraint, col, select

from messages import RuleError
from models.columns import enum_type, utc
from models.sealed import Sealed


class ChannelKind(StrEnum):
    wecom = "wecom"  # 企业微信 / 政务微信 group robot: {base}/cgi-bin/webhook/send?key=KEY
    dingtalk = "dingtalk"  # DingTalk custom robot: {base}/robot/send?access_token=TOKEN, signed
    webhook = "webhook"  # any JSON endpoint the deployment allows, HMAC-signed when a secret is set


CHANNEL_LABELS: dict[str, tuple[str, str]] = {  # by ChannelKind (a str): labels.label reads it
    ChannelKind.wecom: ("企业微信/政务微信群机器人", "WeCom group robot"),
    ChannelKind.dingtalk: ("钉钉群机器人", "DingTalk robot"),
    ChannelKind.webhook: ("通用 Webhook", "generic webhook"),
}
# Templates every channel gets; the rest (assignment, return, decisions) only with `everything`.
ALWAYS = frozenset({"digest"})
CHOSEN = frozenset({"assigned", "assigned_batch", "returned", "closed", "withdrawn", "extension_decided",
                    "parts_done"})
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,128}")


class Channel(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: ChannelKind = Field(sa_type=enum_type(ChannelKind))
    # The robot's key (WeCom), access token (DingTalk) or the full address (webhook).
    # Sealed at rest (models/sealed.py): a copied ledger shows neither.
    target: str = Field(sa_type=Sealed("channel.target", 500), max_length=500)
    secret: str = Field(default="", sa_type=Sealed("channel.secret", 200),
                        max_length=200)  # DingTalk's signing secret; the webhook's HMAC key
    everything: bool = False  # assignment, return and decision messages too, not only digests
    # Removed channels stay as rows (the outbox refers to them) with their key and secret wiped.
    active: bool = True
    updated_at: datetime = Field(sa_type=utc)


def check_channel(kind: str, target: str, secret: str, *, allowed_hosts: tuple[str, ...],
                  field: str = "channel") -> tuple[ChannelKind, str, str]:
    """The channel as it may be kept, or a RuleError naming the field at fault."""
    try:
        the_kind = ChannelKind(str(kind).strip())
    except ValueError:
        raise RuleError("bad_channel", field=f"{field}.kind", value=str(kind)[:40],
                        detail=", ".join(ChannelKind)) from None
    target, secret = str(target or "").strip(), str(secret or "").strip()
    if the_kind is ChannelKind.webhook:
        host = webhook_host(target)
        if host is None:
            raise RuleError("bad_channel", field=f"{field}.target", value=target[:80],
                            detail="http(s)://host[:port]/path, at most 500 characters")
        if host not in allowed_hosts:
            raise RuleError("webhook_host", field=f"{field}.target", value=host[:80],
                            detail=", ".join(allowed_hosts) or "—")
    elif not TOKEN.fullmatch(target):
        raise RuleError("bad_channel", field=f"{field}.target", value=target[:40],
                        detail="8–128 letters, digits, '-' or '_' (the key or access_token of the robot's address)")
    if the_kind is ChannelKind.dingtalk and not secret:
        raise RuleError("required", field=f"{field}.secret")
    if len(secret) > 200 or any(not (32 < ord(ch) < 127) for ch in secret):
        raise RuleError("bad_channel", field=f"{field}.secret", value="…", detail="up to 200 plain characters")
    return the_kind, target, secret


def webhook_host(url: str) -> str | None:
    """The host of a webhook address in full working order (scheme, host, a numeric port, no
    user, no whitespace or control characters), lower-cased; None for anything else. The same
    check guards saving and posting, so a saved address never fails to parse at delivery."""
    if len(url) > 500 or any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on "host:abc" or a port out of range
    except ValueError:  # "http://[::1", "http://[localhost]/"
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password or port == 0:
        return None
    if not _HOSTNAME.fullmatch(host):
        try:
            ip_address(host)
        except ValueError:
            return None
    return host.lower()


_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*\.?")


def shortened(key: str) -> str:
    """A robot's key or token as people are shown it: it is a credential ("693a…f6")."""
    return key[:4] + "…" + key[-2:] if len(key) > 6 else "…"


def set_channel(session: Session, *, person_id: int, kind: ChannelKind, target: str, secret: str,
                everything: bool, now: datetime) -> Channel:
    """Add or replace the person's channel of this kind (already checked)."""
    row = session.exec(select(Channel).where(col(Channel.person_id) == person_id, col(Channel.kind) == kind)).first()
    row = row or Channel(person_id=person_id, kind=kind, target="", updated_at=now)
    row.target, row.secret, row.everything, row.active, row.updated_at = target, secret, everything, True, now
    session.add(row)
    return row


def remove_channel(session: Session, *, person_id: int, kind: ChannelKind, now: datetime) -> bool:
    """Stop a channel: what is still waiting for it is cancelled at delivery. False: none was set."""
    row = session.exec(select(Channel).where(col(Channel.person_id) == person_id, col(Channel.kind) == kind,
                                             col(Channel.active) == True)).first()  # noqa: E712
    if row is None:
        return False
    row.target, row.secret, row.everything, row.active, row.updated_at = "", "", False, False, now
    session.add(row)
    return True


def channels_of(session: Session, person_ids: list[int]) -> dict[int, list[Channel]]:
    """Each person's channels, in one query."""
    found: dict[int, list[Channel]] = {}
    for i in range(0, len(person_ids), 500):
        for ch in session.exec(select(Channel).where(col(Channel.person_id).in_(person_ids[i:i + 500]),
                                                     col(Channel.active) == True).order_by(col(Channel.id))):  # noqa: E712
            found.setdefault(ch.person_id, []).append(ch)
    return found


def carries(channel: Channel, template: str) -> bool:
    return template in ALWAYS or (channel.everything and template in CHOSEN)
