"""The organisation (units, people, roles) from its YAML file.

The whole file is checked first and every problem is reported with its place in the
file; only a clean file changes the ledger. Units are matched by code, people by email.
A listed person's roles become exactly those in the file; people not listed are left alone.
Messenger channels a person has in the file are set; ones they set themselves are kept.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete, select, update

from messages import RuleError
from models.columns import stored_id
from models.people.channels import check_channel, set_channel
from models.people.org import Membership, Person, Role, Unit, UnitKind
from models.text import clean_text


class OrgFileError(Exception):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass
class OrgSummary:
    units: int
    people: int
    roles: int


STAFF_NO = re.compile(r"[A-Za-z0-9_-]{1,40}")
EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+")


def _text_problems(where: str, fields: dict[str, tuple[str, int]]) -> list[str]:
    """One-line, printable, bounded: a name lands in mail headers, sheets and the notice."""
    found = []
    for name, (value, limit) in fields.items():
        try:
            clean_text(value, field=f"{where}.{name}", limit=limit)
        except RuleError as exc:
            found.append(exc.render("en"))
    return found


def _channels(where: str, raw: Any, allowed_hosts: tuple[str, ...]) -> tuple[list[tuple[Any, ...]], list[str]]:
    """A person's `channels:` entries, checked: ([(kind, target, secret, everything)], problems)."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        return [], [f"{where}.channels: must be a list of {{kind, key|token|url, secret, everything}}"]
    found, problems = [], []
    for k, ch in enumerate(raw, start=1):
        cwhere = f"{where}.channels[{k}]"
        if not isinstance(ch, dict):
            problems.append(f"{cwhere}: must be {{kind, key|token|url, secret, everything}}")
            continue
        target = ch.get("key") or ch.get("token") or ch.get("url") or ch.get("target") or ""
        try:
            kind, target, secret = check_channel(str(ch.get("kind", "")), str(target), str(ch.get("secret") or ""),
                                                 allowed_hosts=allowed_hosts, field=cwhere)
        except RuleError as exc:
            problems.append(exc.render("en"))
            continue
        found.append((kind, target, secret, bool(ch.get("everything", False))))
    return found, problems


def apply_org(session: Session, raw: Any, *, source: str, now: datetime,
              allowed_hosts: tuple[str, ...] = ()) -> OrgSummary:
    """The organisation file's data (read by store/yaml_file.py), checked whole, then applied."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise OrgFileError(source, ["top level must be a mapping with 'units' and 'people'"])
    units_raw = raw.get("units") or []
    people_raw = raw.get("people") or []
    if not isinstance(units_raw, list) or not isinstance(people_raw, list):
        raise OrgFileError(source, ["'units' and 'people' must be lists"])

    known_units = {u.code for u in session.exec(select(Unit))}
    codes: dict[str, dict[str, Any]] = {}
    for i, u in enumerate(units_raw, start=1):
        where = f"units[{i}]"
        if not isinstance(u, dict) or not u.get("code") or not u.get("name"):
            problems.append(f"{where}: needs 'code' and 'name'")
            continue
        code = str(u["code"])
        problems += _text_problems(where, {"code": (code, 40), "name": (str(u["name"]), 200)})
        if code in codes:
            problems.append(f"{where}: duplicate unit code {code!r}")
        if u.get("kind") not in UnitKind.__members__:
            problems.append(f"{where} ({code}): kind must be one of {', '.join(UnitKind)}")
        codes[code] = u
    for i, u in enumerate(units_raw, start=1):
        parent = isinstance(u, dict) and u.get("parent")
        if parent and parent not in codes and parent not in known_units:
            problems.append(f"units[{i}]: unknown parent {parent!r}")

    emails: set[str] = set()
    numbers: set[str] = set()
    for i, p in enumerate(people_raw, start=1):
        where = f"people[{i}]"
        if not isinstance(p, dict) or not p.get("email") or not p.get("name"):
            problems.append(f"{where}: needs 'email' and 'name'")
            continue
        email = str(p["email"]).strip().lower()
        problems += _text_problems(where, {"email": (email, 254), "name": (str(p["name"]), 100)})
        if not EMAIL.fullmatch(email):
            problems.append(f"{where}: not an email address {email!r}")
        if p.get("language") not in (None, "zh", "en"):
            problems.append(f"{where}: language must be zh or en")
        if email in emails:
            problems.append(f"{where}: duplicate email {email}")
        emails.add(email)
        staff_no = str(p.get("staff_no") or "").strip()
        if staff_no and not STAFF_NO.fullmatch(staff_no):
            problems.append(f"{where}: staff_no must be 1–40 letters, digits, '-' or '_': {staff_no[:40]!r}")
        elif staff_no in numbers:
            problems.append(f"{where}: duplicate staff_no {staff_no}")
        elif staff_no:
            numbers.add(staff_no)
        problems += _channels(where, p.get("channels"), allowed_hosts)[1]
        for j, r in enumerate(p.get("roles") or [], start=1):
            rwhere = f"{where}.roles[{j}]"
            if not isinstance(r, dict):
                problems.append(f"{rwhere}: must be {{unit: CODE, role: ROLE}}")
                continue
            if r.get("unit") not in codes and r.get("unit") not in known_units:
                problems.append(f"{rwhere}: unknown unit {r.get('unit')!r}")
            if r.get("role") not in Role.__members__:
                problems.append(f"{rwhere}: role must be one of {', '.join(Role)}")
    taken = session.exec(select(Person.email, Person.staff_no).where(col(Person.staff_no).in_(sorted(numbers)))).all()
    problems += [f"people: staff_no {number} is {email}'s, who is not in this file" for email, number in taken
                 if email not in emails]
    if problems:
        raise OrgFileError(source, problems)

    by_code = {u.code: u for u in session.exec(select(Unit))}
    for code, u in codes.items():
        unit = by_code.get(code) or Unit(code=code, name="", kind=UnitKind.branch)
        unit.name, unit.kind = str(u["name"]), UnitKind(u["kind"])
        session.add(unit)
        by_code[code] = unit
    session.flush()
    for code, u in codes.items():
        by_code[code].parent_id = by_code[u["parent"]].id if u.get("parent") else None
    roles = 0
    # Employee numbers may move between people in one file: cleared first, so the unique index
    # never sees one number twice mid-way.
    listed = [str(p["email"]).strip().lower() for p in people_raw]
    for i in range(0, len(listed), 500):
        session.execute(update(Person).where(col(Person.email).in_(listed[i:i + 500])).values(staff_no=None))
    for p in people_raw:
        email = str(p["email"]).strip().lower()
        person = session.exec(select(Person).where(col(Person.email) == email)).first()
        person = person or Person(email=email, name="")
        person.name = str(p["name"])
        person.active = bool(p.get("active", True))
        person.language = p.get("language")
        person.staff_no = str(p.get("staff_no") or "").strip() or None
        session.add(person)
        session.flush()
        session.execute(delete(Membership).where(col(Membership.person_id) == person.id))
        for unit_code, role in dict.fromkeys((r["unit"], r["role"]) for r in p.get("roles") or []):
            session.add(Membership(person_id=stored_id(person), unit_id=stored_id(by_code[unit_code]),
                                   role=Role(role)))
            roles += 1
        # Channels the file names are set (by kind); ones a person set themselves stay.
        for kind, target, secret, everything in _channels("", p.get("channels"), allowed_hosts)[0]:
            set_channel(session, person_id=stored_id(person), kind=kind, target=target, secret=secret,
                        everything=everything, now=now)
    session.flush()
    return OrgSummary(units=len(codes), people=len(people_raw), roles=roles)
