"""A person's messenger channels, set by themselves (the portal's /me/channels page) or by the
organisation file: one transaction each, checked before anything changes."""

from dataclasses import dataclass

from sqlmodel import col, select

from messages import RuleError, labels
from models.people.channels import (
    CHANNEL_LABELS,
    Channel,
    ChannelKind,
    check_channel,
    remove_channel,
    set_channel,
    shortened,
)
from services import context as ctx
from store.db import reading, transaction


@dataclass(frozen=True)
class ChannelView:
    kind: str
    label: str
    target: str  # shown shortened: a robot's key is a credential
    signed: bool
    everything: bool


def _shown(channel: Channel) -> str:
    if channel.kind is ChannelKind.webhook:
        return channel.target
    return shortened(channel.target)


def my_channels(person_id: int, language: str = "zh") -> list[ChannelView]:
    with reading(ctx.database()) as session:
        return [ChannelView(c.kind.value, labels.label(CHANNEL_LABELS, c.kind, language), _shown(c),
                            bool(c.secret), c.everything)
                for c in session.exec(select(Channel).where(col(Channel.person_id) == person_id,
                                                           col(Channel.active) == True)  # noqa: E712
                                      .order_by(col(Channel.id)))]


def set_my_channel(person_id: int, *, kind: str, target: str, secret: str, everything: bool) -> ChannelKind:
    settings = ctx.settings()
    the_kind, target, secret = check_channel(kind, target, secret, allowed_hosts=settings.allowed_webhook_hosts,
                                             field="channel")
    with transaction(ctx.database()) as session:
        set_channel(session, person_id=person_id, kind=the_kind, target=target, secret=secret,
                    everything=everything, now=ctx.now())
    return the_kind


def remove_my_channel(person_id: int, *, kind: str) -> None:
    try:
        the_kind = ChannelKind(kind)
    except ValueError:
        raise RuleError("bad_channel", field="channel.kind", value=kind[:40], detail=", ".join(ChannelKind)) from None
    with transaction(ctx.database()) as session:
        remove_channel(session, person_id=person_id, kind=the_kind, now=ctx.now())
