"""分解: splitting an item into sub-items, in one transaction; then each sub-item's case run
is started (named after the parent) and the parent's run is woken. The CLI and the item page
both come through `split_item`."""

import asyncio
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from messages import RuleError
from models.items.lifecycle import Command, action_words
from models.items.split import Part, split
from models.links import Claim, spend
from models.people.directory import finding_by_code
from services import context as ctx
from services.case_runs import start_case_runs
from services.items import Changed, Identify, acting, wake
from services.mail import send_now
from store.db import transaction


@dataclass(frozen=True)
class Split:
    parent: str
    parts: list[str]
    started: list[str]  # the parts whose case runs started now (the rest: reconcile)


def _split(code: str, actor: str | Identify, parts: list[Part], link: Claim | None) -> tuple[Changed, list[str]]:
    with transaction(ctx.database()) as session:
        person = acting(session, actor)
        if link is not None:  # the portal's link does one action: a second click splits nothing twice
            spend(session, link, now=ctx.now(), what=Command.split_.value)
        parent = finding_by_code(session, code)
        subs = split(session, actor=person, finding=parent, parts=parts, now=ctx.now(), policy=ctx.policy())
        session.flush()
        return Changed.of(parent), [s.code for s in subs]


@dataclass(frozen=True)
class SplitDone:
    """The split as committed: the parent as it left it, and its parts' codes."""

    parent: Changed
    parts: list[str]


async def split_now(code: str, *, actor: str | Identify, parts: list[Part], link: Claim | None = None) -> SplitDone:
    """The split alone, in one transaction (on a worker thread)."""
    try:
        parent, codes = await asyncio.to_thread(_split, code, actor, parts, link)
    except IntegrityError:  # the same link used at the same moment elsewhere: that one won
        if link is None:
            raise
        raise RuleError("link_used", value=ctx.now(), what=action_words(Command.split_.value)) from None
    return SplitDone(parent, codes)


async def start_parts(done: SplitDone) -> Split:
    """After the split: the parts' owners told (at once, Prefect or not), the parts' case runs
    started, the parent's run woken."""
    await send_now(None)
    started = await start_case_runs(done.parts)
    await wake(done.parent)
    return Split(done.parent.case.code, done.parts, started)


async def split_item(code: str, *, actor: str | Identify, parts: list[Part], link: Claim | None = None) -> Split:
    return await start_parts(await split_now(code, actor=actor, parts=parts, link=link))

