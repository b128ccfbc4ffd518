"""The mail folder page (embedded stack only, admins): the mails the local SMTP sink kept,
and the messages the messenger stand-in accepted, so a newcomer can open an owner's mail
(or robot message) and follow its link."""

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from app.web.deps import Reading
from app.web.pages import page, refusal, words
from app.web.security import NotHere, Visitor, signed_in
from models.people.channels import shortened
from models.people.org import Role
from notifications.messenger_sink import read_messages
from services import context as ctx

router = APIRouter()
NAME = re.compile(r"^[0-9A-Za-z._-]+\.eml$")
# An address ends before a bracket or parenthesis (a robot's markdown wraps links in them) and
# before Chinese punctuation.
URL = re.compile(r"https?://[^\s<>\"'()\[\]（）【】《》，。；：！？、]+")
MD_LINK = re.compile(r"\[([^\]\n]{1,300})\]\((https?://[^\s<>\"'()]+)\)")


def _read(name: str) -> EmailMessage:
    return message_from_bytes((ctx.settings().mail_dir / name).read_bytes(), policy=policy.default)


def _text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def linkify(text: str) -> Markup:
    """Escape the text, then make its web addresses clickable."""
    out, last = [], 0
    for m in URL.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(Markup('<a href="{0}">{0}</a>').format(m.group(0)))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def linkify_markdown(text: str) -> Markup:
    """A robot message: its markdown links "[ZG-…](https://…)" as links, the rest as linkify."""
    out, last = [], 0
    for m in MD_LINK.finditer(text):
        out.append(linkify(text[last:m.start()]))
        out.append(Markup('<a href="{1}">{0}</a>').format(m.group(1), m.group(2)))
        last = m.end()
    out.append(linkify(text[last:]))
    return Markup("").join(out)


def _moment(stamp: str | None) -> datetime | None:
    """A mail's Date header or a robot message's ISO time, to show in the bureau's zone."""
    try:
        at = parsedate_to_datetime(stamp) if stamp and "," in stamp else datetime.fromisoformat(stamp or "")
    except (TypeError, ValueError):
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _addressed(message: dict[str, Any]) -> str:
    """Where a robot message went: the robot's key or token shortened (a credential), or the
    webhook's path."""
    key = message.get("key") or message.get("token")
    return shortened(str(key)) if key else str(message.get("path") or "")


def _admin(request: Request, session: Reading) -> Visitor:
    """An admin of the embedded stack (the mail folder exists nowhere else)."""
    if not request.app.state.mail_folder:
        raise NotHere("mail_embedded_only")
    return signed_in(session, request, (Role.admin,), "mail_admins_only")


Admin = Annotated[Visitor, Depends(_admin)]


@router.get("/mail", response_class=HTMLResponse)
def mail_list(request: Request, visitor: Admin) -> Response:
    folder = ctx.settings().mail_dir
    mails: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:500]:
        mail = _read(path.name)
        mails.append({"name": path.name, "to": mail["To"], "subject": mail["Subject"], "date": _moment(mail["Date"])})
    kept = read_messages(ctx.settings().messenger_dir)[-200:]
    messages = [{"at": _moment(m.get("at", "")), "kind": m.get("kind", ""), "text": linkify_markdown(m.get("text", "")),
                 "to": _addressed(m)} for m in reversed(kept)]
    return page(request, "mail_list.html", {"visitor": visitor, "mails": mails, "messages": messages})


@router.get("/mail/{name}", response_class=HTMLResponse)
def mail_view(request: Request, name: str, visitor: Admin) -> Response:
    if not NAME.match(name) or not (ctx.settings().mail_dir / name).is_file():
        return refusal(request, words("no_such_mail", name=name[:80]), status=404)
    mail = _read(name)
    files = [p.get_filename() for p in mail.walk() if p.get_filename()]
    return page(request, "mail_view.html", {"visitor": visitor, "mail": mail, "name": name,
                                            "date": _moment(mail["Date"]), "body": linkify(_text(mail)),
                                            "files": files})
