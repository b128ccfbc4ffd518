"""Pages: Jinja2 templates (autoescaped, strict), and the refusal page every error becomes."""

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from app.web.security import set_anchor
from messages import labels
from messages.portal import PORTAL
from models.deadlines.calendar import local_time
from models.items.lifecycle import action_label, event_note
from services import context as ctx

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.globals["colours"] = labels.COLOURS  # names of the escalation colours


def _local(at: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return local_time(at, ctx.settings().timezone, fmt)


TEMPLATES.filters["local"] = _local


def language_of(visitor: Any) -> str:
    """The page's language: its reader's own (set per person), else the bureau's."""
    own = getattr(getattr(visitor, "person", None), "language", None)
    return own if own in ("zh", "en") else ctx.settings().language


def say(language: str, key: str, **fields: Any) -> Markup:
    """A page's words from the catalogue (messages/portal.py), its fields escaped."""
    zh, en = PORTAL[key]
    text = zh if language == "zh" else en
    return Markup(text).format(**fields) if fields else Markup(text)


def words(key: str, **fields: Any) -> Markup:
    """The catalogue's words in the bureau's language, for a page with no reader known (a refusal)."""
    return say(language_of(None), key, **fields)


def field_labels(language: str, keys: dict[str, str]) -> dict[str, str]:
    """A form's own labels for its fields (field -> catalogue key), to name the field a refusal
    is about as the form names it."""
    return {name: str(say(language, key)) for name, key in keys.items()}


def page(request: Request, template: str, context: dict[str, Any], *, status: int = 200) -> HTMLResponse:
    visitor = context.get("visitor")
    language = context.get("lang") or language_of(visitor)
    html = TEMPLATES.get_template(template).render(
        {"request": request, "visitor": visitor, "flash": request.query_params.get("done", ""),
         "lang": language, "t": lambda key, **fields: say(language, key, **fields),
         "zone": lambda: labels.zone_name(ctx.settings().timezone, language),
         "colour": lambda name: labels.colour_label(name, language),
         "label": lambda kind: action_label(kind, language),
         "note": lambda kind, data: event_note(kind, data, language),
         **{k: v for k, v in context.items() if k != "label"}})
    response = HTMLResponse(html, status_code=status)
    set_anchor(request, response)
    return response


def safe_next(target: str) -> str:
    """Where to go after signing in: only a path on this site ("//host" and "/\\host" would
    send the browser elsewhere)."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def back_from(path: str) -> str:
    """Where a refusal's "back" link leads: the item page the form came from, else home."""
    parts = path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] in ("l", "items"):
        return f"/{parts[0]}/{parts[1]}"
    return "/"


def refusal(request: Request, message: str, *, status: int = 400, **extra: Any) -> HTMLResponse:
    language = language_of(None)
    return page(request, "message.html", {"title": say(language, "refused"), "message": message, "visitor": None,
                                          "back": back_from(request.url.path), **extra}, status=status)
