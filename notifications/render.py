"""Render an outbox row into a mail: subject, plain text, HTML, attachments.

Templates live in templates/<language>/<name>.txt (blocks `subject` and `body`) and
<name>.html; HTML is autoescaped, and any missing variable is an error, not a blank.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from messages import labels
from notifications.ics import deadline_calendar

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("zh", "en")

CLASS_LABELS = {lang: {c: labels.label(labels.CLASSES, c, lang) for c in labels.CLASSES} for lang in ("zh", "en")}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.globals["colours"] = labels.COLOURS  # names and swatches of the escalation colours


@dataclass
class Attachment:
    filename: str
    data: bytes
    mime_type: str
    inline: bool = False  # shown in the HTML body as cid:<filename>


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def item_link(portal_url: str, code: str) -> str:
    return f"{portal_url.rstrip('/')}/items/{code}"


def _deadline(item: dict[str, Any], language: str, link: str, *, sequence: int = 0) -> dict[str, Any]:
    """One item's deadline as a calendar event."""
    return {"uid": f"{item['code'].lower()}-due@rectiflow", "due_on": date.fromisoformat(item["due_on"]),
            "summary": ("整改期限：" if language == "zh" else "Deadline: ") + f"{item['code']} {item['title']}",
            "description": f"{item['unit']} · {link}", "url": link, "sequence": sequence}


def calendar_method(template: str, ctx: dict[str, Any]) -> str:
    """Which calendar part a mail carries: the deadline (PUBLISH) when it is set or moved
    (assigned, returned with a new date, an extension approved), its cancellation when the
    item is done (closed, withdrawn); "" for none."""
    if template == "assigned" or (template == "returned" and ctx.get("due_changed")) \
            or (template == "extension_decided" and ctx.get("approved")):
        return "PUBLISH"
    if template in ("closed", "withdrawn"):
        return "CANCEL"
    return ""


def render(template: str, *, language: str, context: dict[str, Any], portal_url: str,
           stamp: datetime | None = None, version: int = 0,
           item_url: Callable[[str], str] | None = None) -> RenderedMail:
    """`item_url(code)`: the recipient's own (signed) link to an item; unsigned by default."""
    language = language if language in LANGUAGES else "zh"
    item_url = item_url or (lambda code: item_link(portal_url, code))
    ctx = {
        **context,
        "language": language,
        "portal": portal_url.rstrip("/"),
        "item_url": item_url,
        "link": item_url(context["code"]) if "code" in context else portal_url,
        "class_label": CLASS_LABELS[language].get(context.get("deadline_class", ""), ""),
    }
    if template == "notice":
        from notifications.notice_text import numbered, sections

        ctx["sections"] = [(numbered(i, s.heading), s) for i, s in enumerate(sections(context["figures"]))]
        ctx["chart_name"] = Path(context["files"]["chart"]["path"]).name
    text_tpl = _env.get_template(f"{language}/{template}.txt")
    html_tpl = _env.get_template(f"{language}/{template}.html")
    tctx = text_tpl.new_context(ctx)
    subject = "".join(text_tpl.blocks["subject"](tctx)).strip()
    text = "".join(text_tpl.blocks["body"](text_tpl.new_context(ctx))).strip() + "\n"
    html = html_tpl.render(ctx)
    # A title is user text: it must never break the header into two lines.
    subject = " ".join(subject.split())
    mail = RenderedMail(subject=subject, text=text, html=html)
    stamp = stamp or datetime.now(UTC)
    method = calendar_method(template, ctx)
    if method and ctx.get("due_on"):
        # One event per item (its uid); the item's version orders the updates (SEQUENCE).
        sequence = int(ctx.get("calendar_sequence", version))
        mail.attachments.append(Attachment(
            filename="deadline.ics", mime_type=f"text/calendar; charset=utf-8; method={method}",
            data=deadline_calendar([_deadline(ctx, language, ctx["link"], sequence=sequence)], stamp=stamp,
                                   method=method)))
    if template == "round_checklist":
        from notifications.checklist import checklist_workbook

        mail.attachments.append(Attachment(
            filename=f"督察清单-{ctx['month']}.xlsx", data=checklist_workbook(ctx), mime_type=XLSX))
    if template == "notice":
        for name, mime, inline in (("docx", DOCX, False), ("xlsx", XLSX, False), ("chart", "image/png", True)):
            path = Path(ctx["files"][name]["path"])
            mail.attachments.append(Attachment(path.name, path.read_bytes(), mime, inline=inline))
    if template == "assigned_batch":
        mail.attachments.append(Attachment(
            filename="deadlines.ics", mime_type="text/calendar; charset=utf-8; method=PUBLISH",
            data=deadline_calendar([_deadline(i, language, item_url(i["code"]))
                                    for i in ctx["items"] if i.get("due_on")], stamp=stamp)))
    return mail
