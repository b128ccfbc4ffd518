"""Coming in through the bureau's identity system (OIDC or LDAP): the identity it vouches
for is matched to the organisation file (by e-mail or 工号); nobody unknown to it gets in,
and no account or role is ever made up from what the identity system says."""

from sqlmodel import Session, col, select

from messages import RuleError
from models.access.sessions import SignInMethod
from models.people.org import Person
from services import context as ctx
from services.signin import Where, begin_session, check_open, failed
from store.db import reading, transaction

MAX_IDENTITY = 254


def match(session: Session, identity: str) -> Person | None:
    """The organisation's person an identity names, by the deployment's rule."""
    value = identity.strip()
    if ctx.settings().identity_match == "staff_no":
        return session.exec(select(Person).where(col(Person.staff_no) == value)).first()
    return session.exec(select(Person).where(col(Person.email) == value.lower())).first()


def check_address(where: Where) -> None:
    """Before a password is tried or the browser sent to the platform: the address's lock."""
    with reading(ctx.database()) as session:
        check_open(session, where=where)


def enter(method: SignInMethod, identity: str, *, where: Where) -> str:
    """A session for the person the identity system vouched for. Returns the cookie's value;
    an identity the organisation does not know is refused (and recorded) with the value it
    gave, so the person can tell the administrator what to add."""
    identity = identity.strip()[:MAX_IDENTITY]
    with transaction(ctx.database()) as session:
        check_open(session, where=where)
        person = match(session, identity) if identity else None
        if person is not None and person.active:
            check_open(session, where=Where(), person_id=person.id)  # the address was checked above
            return begin_session(session, person, method=method, where=where)
    failed(method, "unknown" if person is None else "inactive", where=where, identity=identity,
           person_id=person.id if person is not None else None)
    raise RuleError("unknown_identity", value=identity or "—", field=ctx.settings().identity_match)
