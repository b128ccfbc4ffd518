"""Looking up units, people, items and who is responsible for what."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlmodel import Session, col, select

from messages import RuleError
from models.catalogue import Manifestation
from models.items.finding import Finding
from models.people.org import Membership, Person, Role, Unit


def person_by_email(session: Session, email: str, *, field: str = "as") -> Person:
    person = session.exec(select(Person).where(col(Person.email) == email.strip().lower())).first()
    if person is None:
        raise RuleError("unknown_person", field=field, value=email)
    return person


def unit_by_code(session: Session, code: str, *, field: str = "unit") -> Unit:
    unit = session.exec(select(Unit).where(col(Unit.code) == code.strip())).first()
    if unit is None:
        raise RuleError("unknown_unit", field=field, value=code)
    return unit


def manifestation_by_id(session: Session, ident: str, *, field: str = "manifestation") -> Manifestation:
    man = session.get(Manifestation, ident.strip())
    if man is None:
        raise RuleError("unknown_manifestation", field=field, value=ident)
    return man


def finding_by_code(session: Session, code: str, *, field: str = "code") -> Finding:
    finding = session.exec(select(Finding).where(col(Finding.code) == code.strip().upper())).first()
    if finding is None:
        raise RuleError("unknown_code", field=field, value=code)
    return finding


HOLDERS = "holders_cache"


@contextmanager
def memberships_fixed(session: Session) -> Iterator[None]:
    """For a batch that changes nobody's roles (an imported sheet): `holders` asks the
    database once per role and unit instead of once per row."""
    if HOLDERS in session.info:
        yield
        return
    session.info[HOLDERS] = {}
    try:
        yield
    finally:
        session.info.pop(HOLDERS, None)


def _remembered(session: Session, key: tuple[Any, ...], read: Callable[[], list[Any]]) -> list[Any]:
    """`read()`, remembered under `key` inside `memberships_fixed` (a copy each time, so no
    caller can change what the next one gets)."""
    cache = session.info.get(HOLDERS)
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return list(cache[key])


def memberships_of(session: Session, person_id: int) -> list[Membership]:
    """The roles one person holds (read once per person inside `memberships_fixed`)."""
    return _remembered(session, ("of", person_id), lambda: list(
        session.exec(select(Membership).where(col(Membership.person_id) == person_id))))


def holders(session: Session, role: Role, *, unit_id: int | None = None) -> list[Person]:
    """Active people holding a role (in one unit, or anywhere), oldest first."""
    def read() -> list[Person]:
        query = (
            select(Person).join(Membership, col(Membership.person_id) == Person.id)
            .where(col(Membership.role) == role, col(Person.active) == True)  # noqa: E712
            .order_by(col(Person.id))
        )
        if unit_id is not None:
            query = query.where(col(Membership.unit_id) == unit_id)
        return list(session.exec(query).unique())

    return _remembered(session, (role, unit_id), read)


def responsible_owner(session: Session, finding: Finding) -> Person | None:
    """The owner named at filing, else the unit's branch secretary (first responsible)."""
    if finding.proposed_owner_id is not None:
        named = session.get(Person, finding.proposed_owner_id)
        if named is not None and named.active:
            return named
    secretaries = holders(session, Role.secretary, unit_id=finding.unit_id)
    return secretaries[0] if secretaries else None


def roles_of(session: Session, person: Person) -> set[Role]:
    """Every role a person holds, in any unit."""
    return set(session.exec(select(col(Membership.role)).where(col(Membership.person_id) == person.id)))
