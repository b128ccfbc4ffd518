"""The clerk's words for the ledger's keys: a unit by its code, its name or a part of its name
that only it has; a manifestation by its id or its words; a deadline class in Chinese or
English; a person by e-mail, or by name where the name is unique in the unit. What the portal
shows is what a sheet or the CLI may say (为基层减负: nobody learns the codes). A word that
fits nothing names the nearest; a word that fits several names them all."""

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlmodel import Session, select

from messages import RuleError
from messages.labels import CLASSES
from models.catalogue import DeadlineClass, Manifestation
from models.people.org import Membership, Person, Unit

NEAREST = 3  # names offered beside an unknown word
SHORTEST_PART = 2  # a part of a name shorter than this fits too much to mean one


def _norm(text: str) -> str:
    """Compared without spaces (full-width ones included) or case."""
    return "".join(str(text or "").split()).lower()


def _listed(names: Iterable[str]) -> tuple[str, str]:
    """The candidates as each language lists them (a refusal renders the reader's)."""
    ordered = sorted(names)
    return "、".join(ordered), ", ".join(ordered)


@dataclass
class Words:
    """The ledger's names, read once (a sheet of 20,000 rows asks 80,000 times)."""

    units: list[Unit]
    manifestations: list[Manifestation]
    people: list[Person]
    members: dict[int, set[int]] = field(default_factory=dict)  # unit id -> person ids
    _cache: dict[tuple[str, str, int], object] = field(default_factory=dict)

    @cached_property
    def by_email(self) -> dict[str, Person]:
        return {p.email: p for p in self.people}

    @cached_property
    def by_name(self) -> dict[str, list[Person]]:
        found: dict[str, list[Person]] = {}
        for p in self.people:
            found.setdefault(_norm(p.name), []).append(p)
        return found

    @classmethod
    def load(cls, session: Session) -> "Words":
        members: dict[int, set[int]] = {}
        for m in session.exec(select(Membership)):
            members.setdefault(m.unit_id, set()).add(m.person_id)
        return cls(list(session.exec(select(Unit))), list(session.exec(select(Manifestation))),
                   list(session.exec(select(Person))), members)

    def unit(self, text: str, *, field: str = "unit") -> Unit:
        key = ("unit", _norm(text), 0)
        if key not in self._cache:
            self._cache[key] = self._unit(text, field)
        found = self._cache[key]
        assert isinstance(found, Unit)
        return found

    def _unit(self, text: str, field: str) -> Unit:
        word = _norm(text)
        for u in self.units:
            if word in (_norm(u.code), _norm(u.name)):
                return u
        if len(word) >= SHORTEST_PART:
            fits = [u for u in self.units if word in _norm(u.name)]
            if len(fits) == 1:
                return fits[0]
            if fits:
                raise RuleError("ambiguous", field=field, value=text, near=_listed(u.name for u in fits))
        near = difflib.get_close_matches(text.strip(), [u.name for u in self.units] + [u.code for u in self.units],
                                         n=NEAREST, cutoff=0.3)
        if near:
            # Nearest first, as each language lists them.
            raise RuleError("unknown_unit_near", field=field, value=text, near=("、".join(near), ", ".join(near)))
        raise RuleError("unknown_unit", field=field, value=text)

    def manifestation(self, text: str, *, field: str = "manifestation") -> Manifestation:
        word = _norm(text)
        for m in self.manifestations:
            # The id, its words, or both as the portal's list shows them ("lan-1 对职责范围内…").
            if word in (_norm(m.id), _norm(m.title_zh), _norm(m.title_en), _norm(f"{m.id} {m.title_zh}")):
                return m
        if len(word) >= SHORTEST_PART:
            fits = [m for m in self.manifestations if word in _norm(m.title_zh) or word in _norm(m.title_en)]
            if len(fits) == 1:
                return fits[0]
            if fits:
                raise RuleError("ambiguous", field=field, value=text,
                                near=_listed(f"{m.id} {m.title_zh}" for m in fits[:NEAREST + 2]))
        raise RuleError("unknown_manifestation", field=field, value=text)

    def person(self, text: str, *, unit: Unit | None = None, field: str = "owner") -> Person:
        """By e-mail anywhere; by name among the unit's members (or, without a unit, everyone)."""
        word = _norm(text)
        if "@" in word:
            if word in self.by_email:
                return self.by_email[word]
            raise RuleError("unknown_person", field=field, value=text)
        members = self.members.get(unit.id or 0, set()) if unit is not None else None
        fits = [p for p in self.by_name.get(word, []) if members is None or p.id in members]
        if len(fits) == 1:
            return fits[0]
        if fits:
            raise RuleError("ambiguous", field=field, value=text, near=_listed(p.email for p in fits))
        if unit is not None:
            raise RuleError("not_in_unit", field=field, value=text, unit=unit.name)
        raise RuleError("unknown_person", field=field, value=text)


def deadline_class(text: str, *, field: str = "class") -> DeadlineClass:
    """立行立改 / 限期整改 / 长期整改, or immediate / limited / long (long-term)."""
    word = _norm(text)
    for key, (zh, en) in CLASSES.items():
        if word in (_norm(key), _norm(zh), _norm(en)):
            return DeadlineClass(key)
    raise RuleError("unknown_class", field=field, value=text)
