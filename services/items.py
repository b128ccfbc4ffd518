"""Acting on an item: one lifecycle command in one transaction, then its case run is woken.
The CLI, the item link and the staff page all come through `act`."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from messages import RuleError
from models.columns import stored_id
from models.items import commands
from models.items.evidence import StoredFile
from models.items.extension import decide_extension, request_extension
from models.items.finding import STATE_LABELS, Finding, State
from models.items.lifecycle import Command, action_words
from models.links import Claim, spend
from models.people.directory import finding_by_code, person_by_email
from models.people.org import Person
from services import context as ctx
from services.case_runs import CaseRef, Wake, wake_case_run
from services.mail import send_now
from store.db import transaction


@dataclass(frozen=True)
class Action:
    """What a person asks to do to an item, with what the command needs."""

    command: Command
    note: str = ""  # submit: what was done (整改情况说明)
    reason: str = ""  # return, withdraw, reassign, extension request or rejection
    due: date | None = None  # return: a new due date; extension: the date asked for
    to: str = ""  # reassign: the new owner's email
    files: tuple[StoredFile, ...] = ()  # submit: evidence already in the store


@dataclass(frozen=True)
class Changed:
    """The item as a command left it, read in the command's own transaction: what waking its
    run and sending the mail it queued need, so neither reads the item again."""

    case: CaseRef
    id: int
    parent_id: int | None
    state: State

    @classmethod
    def of(cls, finding: Finding) -> "Changed":
        return cls(CaseRef.of(finding), stored_id(finding), finding.parent_id, finding.state)


@dataclass(frozen=True)
class Acted:
    code: str
    state: State
    wake: Wake

    def label(self, language: str) -> str:
        return STATE_LABELS[self.state][0 if language == "zh" else 1]


Identify = Callable[[Session], Person]  # who acts, read in the command's own transaction


def acting(session: Session, actor: "str | Identify", *, field: str = "as") -> Person:
    """Who acts: given by email (an unknown one is refused naming `field`), or read in this
    transaction (the portal's link or session)."""
    return person_by_email(session, actor, field=field) if isinstance(actor, str) else actor(session)


def _apply(session: Session, action: Action, actor: Person, finding: Finding) -> None:
    now, policy = ctx.now(), ctx.policy()
    match action.command:
        case Command.acknowledge:
            commands.acknowledge(session, actor=actor, finding=finding, now=now, policy=policy)
        case Command.submit:
            commands.submit(session, actor=actor, finding=finding, now=now, policy=policy, account=action.note,
                            files=list(action.files))
        case Command.return_:
            commands.return_item(session, actor=actor, finding=finding, now=now, policy=policy,
                                 reason=action.reason, new_due=action.due)
        case Command.accept:
            commands.accept(session, actor=actor, finding=finding, now=now, policy=policy)
        case Command.withdraw:
            commands.withdraw(session, actor=actor, finding=finding, now=now, policy=policy, reason=action.reason)
        case Command.reassign:
            commands.reassign(session, actor=actor, finding=finding, now=now, policy=policy, to=action.to,
                              reason=action.reason)
        case Command.request_extension:
            if action.due is None:
                raise RuleError("required", field="to")
            request_extension(session, actor=actor, finding=finding, now=now, policy=policy, to=action.due,
                              reason=action.reason)
        case Command.approve_extension | Command.reject_extension:
            decide_extension(session, actor=actor, finding=finding, now=now, policy=policy,
                             approve=action.command is Command.approve_extension, reason=action.reason)
        case _:
            raise RuleError("required", field="action")


def apply_action(action: Action, *, code: str, actor: str | Identify, link: Claim | None = None) -> Changed:
    """The command alone, in one transaction: checked against the actor's standing and the
    item's state, applied with its events and mail. A `link` (the portal's signed link) is
    spent in the same transaction, so it does one action. Returns the item as it left it."""
    try:
        with transaction(ctx.database()) as session:
            finding = finding_by_code(session, code)
            person = acting(session, actor)
            if link is not None:
                spend(session, link, now=ctx.now(), what=action.command.value)
            _apply(session, action, person, finding)
            session.flush()
            return Changed.of(finding)
    except IntegrityError:  # the same link used at the same moment elsewhere: that one won
        if link is None:
            raise
        raise RuleError("link_used", value=ctx.now(), what=action_words(action.command.value)) from None


async def wake(changed: Changed) -> Acted:
    """Tell the item's case run the ledger changed, then send the mail the command queued
    (the verifier's, the owner's; for a part, the parent owner's "all parts done"): it goes
    now even when Prefect is down, once (the outbox claims each mail, so the woken run finds
    it sent)."""
    outcome = await wake_case_run(changed.case)
    await send_now(changed.id)
    if changed.parent_id is not None:
        await send_now(changed.parent_id)
    return Acted(changed.case.code, changed.state, outcome)


async def apply(action: Action, *, code: str, actor: str | Identify, link: Claim | None = None) -> Changed:
    """The command alone, on a worker thread (a ledger busy with a long sweep holds only this).
    The portal answers the person then, and wakes the run after its answer has gone."""
    return await asyncio.to_thread(apply_action, action, code=code, actor=actor, link=link)


async def act(action: Action, *, code: str, actor: str | Identify, link: Claim | None = None) -> Acted:
    """A person's command on an item, then its case run woken and its mail sent."""
    return await wake(await apply(action, code=code, actor=actor, link=link))


def _reassign_all(from_email: str, to: str, actor: str, reason: str) -> list[Changed]:
    with transaction(ctx.database()) as session:
        moved = commands.reassign_all(session, actor=person_by_email(session, actor), from_email=from_email,
                                      to=to, now=ctx.now(), policy=ctx.policy(), reason=reason)
        session.flush()
        return [Changed.of(finding_by_code(session, code)) for code in moved]


async def reassign_all(*, from_email: str, to: str, actor: str, reason: str = "") -> list[Acted]:
    """Move every open item of a departed owner to another, in one transaction; wake each run."""
    moved = await asyncio.to_thread(_reassign_all, from_email, to, actor, reason)
    return [await wake(changed) for changed in moved]
