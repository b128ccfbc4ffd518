"""The escalation ladder (督办): levels by working days overdue, each step recorded once.

Escalation is an attribute beside the state (DESIGN §3): it does not move the item in
its lifecycle, so it does not bump the item's version or wake its case run; the sweep
publishes the new colour itself.
"""

from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Field, Session, SQLModel, UniqueConstraint

from messages import RuleError
from models.audit.chain import append_events
from models.columns import stored_id, utc
from models.items.finding import Finding
from models.people.directory import holders
from models.people.org import Person, Role, Unit

COLOURS = ("blue", "yellow", "red")
AUDIENCES = ("owner", "secretary", "supervisor", "leader", "discipline")


class Escalation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("finding_id", "level", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", index=True)
    level: int
    due_on: date  # the deadline that was missed: a moved deadline may escalate anew
    days_overdue: int
    at: datetime = Field(sa_type=utc)


@dataclass(frozen=True)
class Level:
    level: int
    after: int  # working days overdue
    colour: str
    notify: tuple[str, ...]


@dataclass(frozen=True)
class DeadlinePolicy:
    reminders: tuple[int, ...] = (3, 1, 0)
    verify_after: int = 3  # working days a submission may wait before its verifier is reminded (0: never)
    acknowledge_within: int = 2  # working days to sign for an item (签收) before owner and secretary hear (0: never)
    levels: tuple[Level, ...] = (
        Level(1, 1, "blue", ("owner", "secretary")),
        Level(2, 5, "yellow", ("supervisor",)),
        Level(3, 10, "red", ("leader", "discipline")),
    )

    def level_for(self, days_overdue: int) -> int:
        reached = [lv.level for lv in self.levels if days_overdue >= lv.after]
        return max(reached, default=0)

    def colour(self, level: int) -> str:
        return next((lv.colour for lv in self.levels if lv.level == level), "")


def default_policy_path() -> Path:
    return Path(str(resources.files("models") / "data" / "escalation.yaml"))


def parse_deadline_policy(raw: Any, *, source: str) -> DeadlinePolicy:
    def bad(detail: str) -> RuleError:
        return RuleError("bad_file", field=source, detail=detail)

    if not isinstance(raw, dict):
        raise bad("top level must have 'reminders' and 'levels'")
    reminders = raw.get("reminders", [3, 1, 0])
    if not isinstance(reminders, list) or not all(isinstance(r, int) and r >= 0 for r in reminders):
        raise bad("reminders must be a list of whole numbers of working days, e.g. [3, 1, 0]")
    levels = []
    for i, item in enumerate(raw.get("levels") or [], start=1):
        try:
            lv = Level(int(item["level"]), int(item["after"]), str(item["colour"]), tuple(item["notify"]))
        except (KeyError, TypeError, ValueError):
            raise bad(f"levels[{i}] needs level, after, colour, notify") from None
        if lv.colour not in COLOURS:
            raise bad(f"levels[{i}]: colour must be one of {', '.join(COLOURS)}")
        if unknown := set(lv.notify) - set(AUDIENCES):
            raise bad(f"levels[{i}]: unknown audience {', '.join(sorted(unknown))}")
        levels.append(lv)
    levels.sort(key=lambda lv: lv.level)
    if [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
        raise bad("levels must be numbered 1, 2, 3 … without gaps")
    if any(b.after <= a.after for a, b in zip(levels, levels[1:], strict=False)):
        raise bad("each level must start later ('after') than the one below it")
    verify_after = raw.get("verify_after", 3)
    if not isinstance(verify_after, int) or verify_after < 0:
        raise bad("verify_after must be a whole number of working days (0: never remind verifiers)")
    acknowledge_within = raw.get("acknowledge_within", 2)
    if type(acknowledge_within) is not int or not 0 <= acknowledge_within <= 30:
        raise bad("acknowledge_within must be a whole number of working days from 0 to 30 (0: never)")
    return DeadlinePolicy(reminders=tuple(sorted(set(reminders), reverse=True)), levels=tuple(levels),
                          verify_after=verify_after, acknowledge_within=acknowledge_within)


def _ancestors(session: Session, unit_id: int) -> list[int]:
    chain, current = [], session.get(Unit, unit_id)
    while current is not None and current.id not in chain:
        chain.append(stored_id(current))
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return chain


def audience(session: Session, finding: Finding, who: str) -> list[Person]:
    """The active people a level's audience word stands for, for this item."""
    if who == "owner":
        owner = session.get(Person, finding.owner_id) if finding.owner_id else None
        return [owner] if owner is not None and owner.active else []
    role = Role(who)
    if who == "secretary":
        return holders(session, role, unit_id=finding.unit_id)
    if who == "supervisor":  # those of the committees above the branch, if it has any
        above = [p for unit_id in _ancestors(session, finding.unit_id) for p in holders(session, role, unit_id=unit_id)]
        if above:
            return sorted(_unique(above), key=stored_id)
    return holders(session, role)


def _unique(people: Any) -> list[Person]:
    return list({p.id: p for p in people}.values())


def record_escalations(session: Session, steps: list[tuple[Finding, int, int, str, list[str]]], *,
                       now: datetime) -> None:
    """Record steps up the ladder (finding, level, working days overdue, colour, the names of
    those told), already checked to be new for the current deadline, with one audit event
    each that says all of it (the history reads "红色督办 → 局党组…")."""
    entries, rows = [], []
    for finding, level, days_overdue, colour, told in steps:
        assert finding.due_on is not None
        rows.append({"finding_id": finding.id, "level": level, "due_on": finding.due_on,
                     "days_overdue": days_overdue, "at": now})
        finding.escalation_level = max(finding.escalation_level, level)
        session.add(finding)
        entries.append((finding.id, "system", "escalate",
                        {"code": finding.code, "level": level, "colour": colour, "days_overdue": days_overdue,
                         "due_on": finding.due_on, "to": told}))
    for i in range(0, len(rows), 1000):  # rows, not objects: a sweep may record thousands
        session.execute(insert(Escalation), rows[i:i + 1000])
    append_events(session, entries, now=now)
