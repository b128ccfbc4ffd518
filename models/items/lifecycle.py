"""The lifecycle of an item (DESIGN §3), declared in one table, `TRANSITIONS`; `diagram()`
draws it (the README embeds that drawing, and a test keeps it current).

Overdue is derived from the due date, never a state. Commands whose target is None keep
the state and change an attribute beside it (owner, extension).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from messages import RuleError
from messages.labels import ROLES, slip
from models.audit.chain import Event
from models.columns import stored_id
from models.items.evidence import Evidence
from models.items.extension_request import Extension, ExtensionStatus
from models.items.finding import STATE_LABELS, Finding, State
from models.items.guards import (
    EXTENSION_PENDING,
    NO_EXTENSION_PENDING,
    NOT_A_PART,
    NOT_ACKNOWLEDGED,
    PARTS_DONE,
    Guard,
)
from models.people.absence import stands_for
from models.people.directory import holders, memberships_of
from models.people.org import Person, Role


class Command(StrEnum):
    file = "file"
    assign = "assign"
    acknowledge = "acknowledge"
    split_ = "split"  # not `split`: that would hide str.split on every member
    reassign = "reassign"
    submit = "submit"
    return_ = "return"
    accept = "accept"
    withdraw = "withdraw"
    request_extension = "request_extension"
    approve_extension = "approve_extension"
    reject_extension = "reject_extension"


class Who(StrEnum):
    """Who may act, relative to the item."""

    system = "system"  # a flow acting for the bureau
    owner = "owner"  # the item's current owner
    secretary = "secretary"  # secretary of the item's unit
    inspector = "inspector"
    supervisor = "supervisor"
    admin = "admin"


@dataclass(frozen=True)
class Transition:
    command: Command
    sources: frozenset[State | None]
    target: State | None  # None: the state stays
    who: frozenset[Who]
    needs_reason: bool = False
    verifier: bool = False  # separation of duties: the actor must not be the owner
    guards: tuple[Guard, ...] = ()  # conditions on the item beyond its state


def _t(command: Command, sources: set[State | None], target: State | None, who: set[Who], *,
       needs_reason: bool = False, verifier: bool = False, guards: tuple[Guard, ...] = ()) -> Transition:
    return Transition(command, frozenset(sources), target, frozenset(who), needs_reason, verifier, guards)


S, W = State, Who
TRANSITIONS: dict[Command, Transition] = {t.command: t for t in (
    _t(Command.file,     {None},                 S.filed,     {W.inspector, W.supervisor, W.admin}),
    _t(Command.assign,   {S.filed},              S.assigned,  {W.system, W.secretary, W.supervisor, W.admin}),
    _t(Command.acknowledge, {S.assigned},        None,        {W.owner}, guards=(NOT_ACKNOWLEDGED,)),
    _t(Command.split_,   {S.assigned},           None,        {W.owner, W.inspector, W.supervisor, W.admin},
       guards=(NOT_A_PART,)),
    _t(Command.reassign, {S.assigned, S.submitted}, None,     {W.secretary, W.supervisor, W.admin}),
    _t(Command.submit,   {S.assigned},           S.submitted, {W.owner}, guards=(PARTS_DONE,)),
    _t(Command.return_,  {S.submitted},          S.assigned,  {W.inspector, W.supervisor, W.admin},
       needs_reason=True, verifier=True),
    _t(Command.accept,   {S.submitted},          S.closed,    {W.inspector, W.supervisor, W.admin},
       verifier=True),
    _t(Command.withdraw, {S.filed, S.assigned},  S.withdrawn, {W.inspector, W.admin},
       needs_reason=True, guards=(PARTS_DONE,)),
    _t(Command.request_extension, {S.assigned},  None,        {W.owner}, needs_reason=True,
       guards=(NO_EXTENSION_PENDING,)),
    _t(Command.approve_extension, {S.assigned, S.submitted}, None, {W.supervisor, W.admin}, verifier=True,
       guards=(EXTENSION_PENDING,)),
    _t(Command.reject_extension,  {S.assigned, S.submitted}, None, {W.supervisor, W.admin},
       needs_reason=True, verifier=True, guards=(EXTENSION_PENDING,)),
)}  # fmt: skip

COMMAND_LABELS: dict[Command, tuple[str, str]] = {
    Command.file: ("立项", "file"),
    Command.assign: ("交办", "assign"),
    Command.acknowledge: ("签收", "acknowledge"),
    Command.split_: ("分解", "split"),
    Command.reassign: ("改派", "reassign"),
    Command.submit: ("提交整改材料", "submit"),
    Command.return_: ("退回", "return"),
    Command.accept: ("验收销号", "accept"),
    Command.withdraw: ("撤销", "withdraw"),
    Command.request_extension: ("申请延期", "request an extension"),
    Command.approve_extension: ("批准延期", "approve the extension"),
    Command.reject_extension: ("驳回延期", "reject the extension"),
}


# Who may do what beyond the item's commands, declared beside the table (every way in uses these).
READERS = (Role.inspector, Role.supervisor, Role.admin, Role.leader, Role.discipline)  # any item, the ledger
PUBLISHERS = (Role.supervisor, Role.admin, Role.leader)  # the monthly notice
WATCHERS = (Role.supervisor, Role.leader, Role.discipline, Role.admin)  # the dashboard


def roles_for(command: Command) -> tuple[Role, ...]:
    """The organisational roles the table lets do `command` on any item (not the item's own
    owner or secretary): who the portal shows its form to."""
    return tuple(r for r in Role if Who.__members__.get(r.value) in TRANSITIONS[command].who)


def diagram() -> str:
    """The table drawn as text, one line per move: from, command, to, who, conditions."""
    lines = []
    for t in TRANSITIONS.values():
        for source in sorted(t.sources, key=lambda st: list(State).index(st) if st else -1):
            target = t.target.value if t.target else f"{source.value if source else '—'} (stays)"
            notes = [", ".join(sorted(w.value for w in t.who))] + [g.name for g in t.guards]
            if t.needs_reason:
                notes.append("reason required")
            if t.verifier:
                notes.append("not by the owner")
            start = source.value if source else "(new)"
            arrow = f"──{t.command.value}──▶"
            lines.append(f"{start:<10} {arrow:<26} {target:<20} {'; '.join(notes)}")
    return "\n".join(lines) + "\n"


# Events the system records on its own, as people read them.
# Commands after which the item still waits on the one who gave them: a link in that person's
# mail keeps working (the others take the item out of their hands and spend it).
STAYS_WITH_ACTOR = frozenset({Command.acknowledge, Command.request_extension})

SYSTEM_LABELS: dict[str, tuple[str, str]] = {
    "escalate": ("督办升级", "escalated"),
    "absence": ("委托", "absence declared"),
    "absence_end": ("委托结束", "absence ended"),
    "sign-in": ("登录", "signing in"),
    "logout": ("退出登录", "signing out"),
}


def role_names(roles: Iterable[str]) -> tuple[str, str]:
    """Roles as people call them, (Chinese, English): 督察员、机关党委 / inspector, ..."""
    ordered = [r for r in ROLES if r in set(roles)]
    return "、".join(ROLES[r][0] for r in ordered), ", ".join(ROLES[r][1] for r in ordered)


def action_words(kind: str) -> tuple[str, str]:
    """How an audit event's kind reads to people, (Chinese, English): "submit" -> 提交整改材料."""
    try:
        return COMMAND_LABELS[Command(kind)]
    except ValueError:
        return SYSTEM_LABELS.get(kind, (kind, kind))  # others (round_open) keep their name


def action_label(kind: str, language: str = "zh") -> str:
    zh, en = action_words(kind)
    return zh if language == "zh" else en


def event_note(kind: str, data: dict[str, Any], language: str = "zh") -> str:
    """The one line of detail a history row shows: the reason, the new owner, the title, or
    for an escalation its level, colour, lateness and who was told."""
    if kind == "escalate":
        level, days, told = data.get("level", ""), data.get("days_overdue", ""), data.get("to") or []
        colour = slip(str(data.get("colour", "")), language)
        if language == "zh":
            text = f"第 {level} 级" + (f" {colour}" if colour else "") + f"，逾期 {days} 个工作日"
            return text + (f"；已告知 {'、'.join(told)}" if told else "")
        text = f"level {level}" + (f", {colour}" if colour else "") + f", {days} working days overdue"
        return text + (f"; told {', '.join(told)}" if told else "")
    zh = language == "zh"
    sep = "；" if zh else "; "
    note = str(data.get("reason") or data.get("owner") or data.get("title") or "")
    if kind == "split":  # the parts' codes
        note = ("、" if zh else ", ").join(data.get("parts") or [])
    elif data.get("parent"):
        note = (f"分解自 {data['parent']}" if zh else f"split from {data['parent']}") + (sep + note if note else "")
    if data.get("for"):  # done by a delegate (委托) for the person away
        note = (f"代 {data['for']} 办理" if zh else f"for {data['for']}") + (sep + note if note else "")
    return note


def standing(session: Session, actor: Person | None, finding: Finding | None, *,
             now: datetime | None = None) -> set[Who]:
    """What the actor is, relative to this item; at `now`, also what the people they stand in
    for (委托) are."""
    if actor is None:
        return {Who.system}
    held = _own_standing(session, actor, finding)
    if now is not None:
        for person in stands_for(session, stored_id(actor), now):
            held |= _own_standing(session, person, finding)
    return held


def acting_for(session: Session, command: Command, *, actor: Person | None, finding: Finding | None,
               now: datetime) -> Person | None:
    """The absent person the actor does this for, when their own standing would not do."""
    if actor is None:
        return None
    need = TRANSITIONS[command].who
    if _own_standing(session, actor, finding) & need:
        return None
    return next((p for p in stands_for(session, stored_id(actor), now)
                 if _own_standing(session, p, finding) & need), None)


def _own_standing(session: Session, actor: Person, finding: Finding | None) -> set[Who]:
    roles = memberships_of(session, stored_id(actor))
    held: set[Who] = set()
    for m in roles:
        if m.role in (Role.inspector, Role.supervisor, Role.admin):
            held.add(Who(m.role.value))
        if m.role is Role.secretary and finding is not None and m.unit_id == finding.unit_id:
            held.add(Who.secretary)
    if finding is not None and finding.owner_id is not None and finding.owner_id == actor.id:
        held.add(Who.owner)
    return held


def check(session: Session, command: Command, *, actor: Person | None,
          finding: Finding | None, reason: str = "", language: str = "zh", now: datetime | None = None) -> Transition:
    """Refuse with a RuleError unless this actor may apply this command now, with this reason
    (`permitted`, then the reason the transition requires)."""
    t = permitted(session, command, actor=actor, finding=finding, now=now)
    if t.needs_reason and not reason.strip():
        raise RuleError("required", field="reason")
    return t


def permitted(session: Session, command: Command, *, actor: Person | None, finding: Finding | None,
              now: datetime | None = None) -> Transition:
    """Refuse with a RuleError unless the table lets this actor do this to the item as it
    stands: their standing (at `now`, also for the people they stand in for; separation of
    duties then binds them all), the item's state, the transition's guards."""
    t = TRANSITIONS[command]
    if actor is not None and not actor.active:
        raise RuleError("inactive_person", field="as", value=actor.email)
    held = standing(session, actor, finding)
    if not held & t.who and now is not None:  # not in their own right: perhaps for someone away
        held = standing(session, actor, finding, now=now)
    if not held & t.who:
        raise RuleError("forbidden", field="as", actor=actor.email if actor else "system",
                        command=COMMAND_LABELS[command], need=role_names(t.who))
    state = finding.state if finding is not None else None
    if state not in t.sources:
        assert finding is not None
        raise RuleError("bad_state", field="code", code=finding.code, state=STATE_LABELS[finding.state],
                        command=COMMAND_LABELS[command])
    for guard in t.guards:
        assert finding is not None, "guards are on an item's transitions"
        if (refusal := guard.refusal(session, finding)) is not None:
            raise refusal
    if t.verifier and finding is not None and actor is not None:
        selves = {stored_id(actor)}
        if now is not None:
            selves |= {stored_id(p) for p in stands_for(session, stored_id(actor), now)}
        if finding.owner_id in selves:
            raise RuleError("same_person", field="as")
        if selves & _deciding_on(session, command, finding):
            raise RuleError("own_request", field="as")
    return t


def _deciding_on(session: Session, command: Command, finding: Finding) -> set[int]:
    """Who asked for what this command decides: the submitter of the evidence under review,
    or whoever asked for the pending extension, and the person a delegate asked it for (委托).
    They never decide it, whoever owns the item by now (a reassignment in between changes
    nothing)."""
    if command in (Command.accept, Command.return_):
        latest = session.exec(select(Evidence.submitted_by_id).where(col(Evidence.finding_id) == finding.id)
                              .order_by(col(Evidence.id).desc())).first()
        asked = {latest} if latest is not None else set()
        asking = Command.submit
    else:
        asked = set(session.exec(select(Extension.requested_by_id).where(
            col(Extension.finding_id) == finding.id, col(Extension.status) == ExtensionStatus.pending)))
        asking = Command.request_extension
    if asked and (done_for := _asked_for(session, finding, asking)) is not None:
        asked.add(done_for)
    return asked


def _asked_for(session: Session, finding: Finding, command: Command) -> int | None:
    """The person the latest `command` on the item was done for by their delegate, if it was."""
    data = session.exec(select(Event.data).where(col(Event.finding_id) == finding.id, col(Event.kind) == command.value)
                        .order_by(col(Event.seq).desc())).first()
    email = (data or {}).get("for")
    if not email:
        return None
    return session.exec(select(Person.id).where(col(Person.email) == email)).first()


def allowed(session: Session, actor: Person, finding: Finding, commands: tuple[Command, ...], *,
            now: datetime | None = None) -> set[Command]:
    """Which of these commands this person may apply to this item now (what a page offers)."""
    offered = set()
    for command in commands:
        try:
            permitted(session, command, actor=actor, finding=finding, now=now)
        except RuleError:
            continue
        offered.add(command)
    return offered


def verifiers(session: Session, finding: Finding) -> list[Person]:
    """Who is asked to verify a submission: whoever filed the item (for a part, the filer of the
    item it was split from, when the part's filer is a branch secretary or owner), else the
    supervisors: always people the table lets accept it, in their own right."""
    candidates = [finding.filed_by_id]
    if finding.parent_id is not None:
        parent = session.get(Finding, finding.parent_id)
        candidates += [parent.filed_by_id] if parent is not None else []
    for person in (session.get(Person, i) for i in candidates):
        if person is not None and person.active and allowed(session, person, finding, (Command.accept,)):
            return [person]
    return [p for p in holders(session, Role.supervisor) if allowed(session, p, finding, (Command.accept,))]
