"""The admins' second factor: enrolled by the operator on the server (`rectiflow admin
second-factor EMAIL`, never through a mailed link, which whoever reads the mailbox could
use), asked after a mailed link or a break-glass code, before the session begins."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from messages import RuleError
from models.access.second_factor import SecondFactor, accept_code, new_seed, provisioning_uri
from models.access.sessions import SignInMethod
from models.columns import stored_id
from models.links import spend
from models.people.directory import person_by_email, roles_of
from models.people.org import Person, Role
from services import context as ctx
from services.signin import Where, begin_session, check_open, failed
from store.db import reading, transaction

SECOND_FACTOR = "second-factor"  # the purpose of the short token between the two steps
ASKED_FOR = (SignInMethod.link, SignInMethod.code)  # the identity platform and directory have their own
STEP_MINUTES = 5


@dataclass(frozen=True)
class Enrolment:
    email: str
    seed: str
    uri: str


def enrol(email: str) -> Enrolment:
    """A new seed for an admin (replacing any earlier one): the operator shows it to them once."""
    with transaction(ctx.database()) as session:
        person = person_by_email(session, email, field="email")
        if Role.admin not in roles_of(session, person):
            raise RuleError("not_admin", field="email", value=person.email)
        seed = new_seed()
        factor = session.get(SecondFactor, person.id) or SecondFactor(person_id=stored_id(person), seed=seed,
                                                                      enrolled_at=ctx.now())
        factor.seed, factor.enrolled_at, factor.last_step = seed, ctx.now(), 0
        session.add(factor)
        return Enrolment(person.email, seed, provisioning_uri(seed, email=person.email))


def demo_key(email: str) -> str:
    """The embedded demo's admin key, enrolled on first start and printed on the operator's
    own console with the demo's sign-in link (a real deployment enrols with `enrol`)."""
    with reading(ctx.database()) as session:
        person = person_by_email(session, email, field="email")
        factor = session.get(SecondFactor, person.id)
        if factor is not None:
            return factor.seed
    return enrol(email).seed


def needed(session: Session, person: Person, method: SignInMethod) -> bool:
    """Whether this sign-in needs the second step; an admin with no factor enrolled is refused
    here, before the link or code is used, so it works once they are enrolled."""
    if not ctx.settings().admin_second_factor or method not in ASKED_FOR:
        return False
    if Role.admin not in roles_of(session, person):
        return False
    if session.get(SecondFactor, person.id) is None:
        raise RuleError("second_factor_missing", value=person.email)
    return True


def pending(person: Person, method: SignInMethod) -> str:
    """The token that carries the first step to the second (minutes, used once)."""
    return ctx.signer().issue(SECOND_FACTOR, stored_id(person), code=str(method),
                              expires_at=ctx.now() + timedelta(minutes=STEP_MINUTES))


def confirm(token: str, code: str, *, where: Where) -> str:
    """The second step: the admin's current code. Returns the session's cookie value."""
    try:
        claim = ctx.signer().read(token, SECOND_FACTOR, now=ctx.now())
    except RuleError:
        raise RuleError("second_factor_expired") from None
    method = SignInMethod(claim.code)
    with transaction(ctx.database()) as session:
        check_open(session, where=where, person_id=claim.person_id)
        person = session.get(Person, claim.person_id)
        factor = session.get(SecondFactor, claim.person_id)
        if person is None or not person.active or factor is None:
            raise RuleError("second_factor_expired")
        # The authenticator app keeps real time: the demo's shifted clock (`clock ahead`) is not its.
        ok = accept_code(session, factor, code, now=datetime.now(UTC))
        if ok:
            spend(session, claim, now=ctx.now(), what="sign-in")
            return begin_session(session, person, method=method, where=where)
    failed(method, "bad_code", where=where, person_id=claim.person_id)
    raise RuleError("bad_second_factor", field="code")
