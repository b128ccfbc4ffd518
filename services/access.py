"""Signing in and fresh links: the mail that lets a person into the portal. Each queues its
mail in the outbox in one transaction (deduplicated), then sends it at once."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlmodel import Session, col, select

from messages import RuleError
from models.access.sessions import SignInMethod
from models.columns import stored_id
from models.links import SIGN_IN, Claim, spend, unspent
from models.outbox import enqueue
from models.people.directory import finding_by_code
from models.people.org import Person
from services import context as ctx
from services import second_factor
from services.mail import send_now
from services.signin import Where, begin_session, check_open, failed
from store.db import reading, transaction


def _queue_sign_in(email: str, target: str) -> bool:
    with transaction(ctx.database()) as session:
        person = session.exec(select(Person).where(col(Person.email) == email)).first()
        if person is None or not person.active:
            return False
        settings, now = ctx.settings(), ctx.now()
        token = ctx.signer().issue(SIGN_IN, stored_id(person),
                                   expires_at=now + timedelta(minutes=settings.signin_minutes))
        link = f"{settings.portal_url.rstrip('/')}/login/{token}?next={quote(target)}"
        # At most one sign-in mail per person per minute: the form cannot be used to flood a mailbox.
        enqueue(session, dedupe_key=f"sign-in:{stored_id(person)}:{now:%Y%m%d%H%M}", recipient_id=stored_id(person),
                recipient_email=person.email, template="sign_in", language=person.language or settings.language,
                context={"recipient": person.name, "sign_in": link, "minutes": settings.signin_minutes}, now=now)
        return True


async def send_sign_in(email: str, target: str) -> bool:
    """Mail a registered, active address its sign-in link (to `target` after); say whether."""
    import asyncio

    if not await asyncio.to_thread(_queue_sign_in, email, target):
        return False
    await send_now(None)
    return True


def console_sign_in() -> tuple[str, str, str] | None:
    """The first admin's name, a sign-in link for them and their e-mail, to print on the
    operator's own console (the embedded demo); None without an admin. Nothing is mailed."""
    from models.people.directory import holders
    from models.people.org import Role

    with reading(ctx.database()) as session:
        admins = holders(session, Role.admin)
    if not admins:
        return None
    return admins[0].name, _console_link(admins[0]), admins[0].email


CONSOLE = "console"  # a sign-in link printed on the server's console, not mailed (break-glass)


def _console_link(person: Person) -> str:
    """A one-time sign-in link for the operator's console (its use is a `code` sign-in)."""
    settings = ctx.settings()
    token = ctx.signer().issue(SIGN_IN, stored_id(person), code=CONSOLE,
                               expires_at=ctx.now() + timedelta(minutes=settings.signin_minutes))
    return f"{settings.portal_url.rstrip('/')}/login/{token}"


def break_glass(email: str) -> str:
    """A one-time sign-in link for an administrator, to print on the operator's console when
    the identity platform or the mail relay is down; its use is recorded as a `code` sign-in."""
    from models.people.directory import person_by_email, roles_of
    from models.people.org import Role

    with reading(ctx.database()) as session:
        person = person_by_email(session, email, field="email")
        if not person.active or Role.admin not in roles_of(session, person):
            raise RuleError("not_admin", field="email", value=person.email)
    return _console_link(person)


def _sign_in_holder(session: Session, token: str) -> tuple[Person, Claim]:
    claim = ctx.signer().read(token, SIGN_IN, now=ctx.now())
    person = session.get(Person, claim.person_id)
    if person is None or not person.active:
        raise RuleError("link_invalid")
    return person, claim


def sign_in_offer(token: str) -> Person:
    """Look at a sign-in link without using it (a mail gateway that opens every link only looks):
    whose it is, refused if it is invalid, expired or used."""
    with reading(ctx.database()) as session:
        person, claim = _sign_in_holder(session, token)
        unspent(session, claim)
        return person


@dataclass(frozen=True)
class Entry:
    """A first step that worked: a session began (its cookie), or an admin's second factor is
    asked next (the token that carries them there)."""

    person: Person
    session: str = ""
    second_step: str = ""


def sign_in(token: str, *, where: Where) -> Entry:
    """Use a sign-in link (the person's own click on its page): it works once, for an active
    person, unless sign-in is locked for them or their address; a bad link counts against both."""
    person_id = None
    try:
        with transaction(ctx.database()) as session:
            check_open(session, where=where)  # a locked address: refused before the link is read
            person, claim = _sign_in_holder(session, token)
            person_id = person.id
            check_open(session, where=Where(), person_id=person.id)
            method = SignInMethod.code if claim.code == CONSOLE else SignInMethod.link
            two_steps = second_factor.needed(session, person, method)
            spend(session, claim, now=ctx.now(), what="sign-in")
            if two_steps:
                return Entry(person, second_step=second_factor.pending(person, method))
            return Entry(person, session=begin_session(session, person, method=method, where=where))
    except RuleError as exc:
        if exc.key in ("link_invalid", "link_expired", "link_used"):
            failed(SignInMethod.link, exc.key, where=where, person_id=person_id)
        raise


LinkHolder = Callable[[Session], tuple[Person, Claim]]


def _queue_fresh(holder: LinkHolder) -> tuple[int | None, str]:
    with transaction(ctx.database()) as session:
        person, claim = holder(session)
        finding = finding_by_code(session, claim.code)
        enqueue(session, dedupe_key=f"fresh:{claim.digest}", recipient_id=stored_id(person),
                recipient_email=person.email, template="fresh_link",
                language=person.language or ctx.settings().language,
                context={"recipient": person.name, "code": finding.code, "title": finding.title},
                now=ctx.now(), finding_id=finding.id)
        return finding.id, person.email


async def send_fresh_link(holder: LinkHolder) -> str:
    """Mail the holder of an (expired) item link a fresh one to the same item, once per old
    link. Returns the address it went to."""
    import asyncio

    finding_id, email = await asyncio.to_thread(_queue_fresh, holder)
    await send_now(finding_id)
    return email
