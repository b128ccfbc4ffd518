"""Signing in and fresh links: the mail that lets a person into the portal. Each queues its
mail in the outbox in one transaction (deduplicated), then sends it at once."""

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import quote

from sqlmodel import Session, col, select

from messages import RuleError
from models.columns import stored_id
from models.links import SIGN_IN, Claim, spend, unspent
from models.outbox import enqueue
from models.people.directory import finding_by_code
from models.people.org import Person
from services import context as ctx
from services.mail import send_now
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


def console_sign_in() -> tuple[str, str] | None:
    """The first admin's name and a sign-in link for them, to print on the operator's own
    console (the embedded demo); None without an admin. Nothing is mailed."""
    from models.people.directory import holders
    from models.people.org import Role

    with reading(ctx.database()) as session:
        admins = holders(session, Role.admin)
    if not admins:
        return None
    settings = ctx.settings()
    token = ctx.signer().issue(SIGN_IN, stored_id(admins[0]),
                               expires_at=ctx.now() + timedelta(minutes=settings.signin_minutes))
    return admins[0].name, f"{settings.portal_url.rstrip('/')}/login/{token}"


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


def sign_in(token: str) -> Person:
    """Use a sign-in link (the person's own click on its page): it works once, for an active person."""
    with transaction(ctx.database()) as session:
        person, claim = _sign_in_holder(session, token)
        spend(session, claim, now=ctx.now(), what="sign-in")
        return person


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
