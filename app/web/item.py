"""The item page, reached by a signed link from a mail (owners, reviewers, supervisors) or
by a signed-in staff member; its forms apply the same lifecycle commands as the CLI, then
wake the item's case run. A link does one action: used again, it says so."""

from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.web.deps import Acting, ActingByLink, Now, Reading, SignedIn
from app.web.pages import language_of, page, refusal, say, words
from app.web.parts import part_file, parts_context
from app.web.security import (
    SESSION_COOKIE,
    Forbidden,
    Visitor,
    link_visitor,
    may_view,
    require_csrf,
    session_person,
)
from messages import RuleError
from models.deadlines.dates import parse_day
from models.items.evidence import Decision, Evidence, EvidenceFile, Review, StoredFile
from models.items.extension import pending_extension
from models.items.filetypes import kind_of
from models.items.finding import Finding
from models.items.lifecycle import STAYS_WITH_ACTOR, Command, action_label, allowed
from models.ledger.views import item_view
from models.links import Claim, spent
from models.people.directory import finding_by_code
from models.people.org import Person
from models.text import MAX_ID
from services import context as ctx
from services.access import send_fresh_link
from services.evidence import store_upload
from services.items import Action, apply, wake
from store.db import reading
from store.evidence_files import blob_path

router = APIRouter()
# The item page's forms, as the lifecycle commands they apply (offered where the table allows).
ACTIONS = {"acknowledge": Command.acknowledge, "submit": Command.submit,
           "extend": Command.request_extension, "accept": Command.accept,
           "return": Command.return_, "approve": Command.approve_extension, "reject": Command.reject_extension}
OFFERED = tuple(ACTIONS.values())


def _context(session: Session, finding: Finding, visitor: Visitor, base: str, now: datetime) -> dict[str, Any]:
    view = item_view(session, finding, now=now, policy=replace(ctx.policy(), language=language_of(visitor)))
    people = {p.id: p.name for p in session.exec(select(Person))}
    evidence = []
    for ev in session.exec(select(Evidence).where(col(Evidence.finding_id) == finding.id)
                           .order_by(col(Evidence.id).desc())):
        files = []
        for f in session.exec(select(EvidenceFile).where(col(EvidenceFile.evidence_id) == ev.id)):
            kind = kind_of(f.original_name)
            files.append({"id": f.id, "name": f.original_name, "size": f.size, "preview": bool(kind and kind.preview),
                          "image": bool(kind and kind.mime.startswith("image/"))})
        evidence.append({"at": ev.submitted_at, "by": people.get(ev.submitted_by_id, ""), "account": ev.account,
                         "files": files})
    reviews = [{"at": r.at, "by": people.get(r.reviewer_id, ""), "accepted": r.decision is Decision.accept,
                "reason": r.reason, "due": r.new_due_on}
               for r in session.exec(select(Review).where(col(Review.finding_id) == finding.id)
                                     .order_by(col(Review.id)))]
    # The forms the table lets this visitor use on the item as it stands (its guards included).
    offered = {c.value for c in allowed(session, visitor.person, finding, (*OFFERED, Command.split_), now=now)}
    ext = pending_extension(session, finding)
    settings = ctx.settings()
    return {**parts_context(session, finding), "view": view, "evidence": evidence, "reviews": reviews,
            "offered": offered,
            "extension": ext and {"to": ext.to_due, "reason": ext.reason, "by": people.get(ext.requested_by_id, "")},
            "base": base, "visitor": visitor, "label": action_label,
            "max_file_mib": settings.max_evidence_bytes // 2**20,
            "max_total_mib": settings.max_submission_bytes // 2**20}


@router.get("/l/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str, session: Reading, now: Now) -> Response:
    try:
        visitor = link_visitor(session, token)
        expired = False
    except RuleError as exc:
        if exc.key != "link_expired":
            raise
        visitor, expired = link_visitor(session, token, allow_expired=True), True
    assert visitor.claim is not None
    finding = finding_by_code(session, visitor.claim.code)
    used = spent(session, visitor.claim)
    page_ctx = _context(session, finding, visitor, f"/l/{token}", now)
    if expired or used:
        page_ctx["offered"] = set()
    page_ctx.update(expired=expired, used=used, fresh=f"/l/{token}/fresh")
    return page(request, "item.html", page_ctx)


@router.get("/items/{code}", response_class=HTMLResponse)
def staff_page(request: Request, code: str, visitor: SignedIn, session: Reading, now: Now) -> Response:
    finding = finding_by_code(session, code)
    _may_view(session, visitor, finding)
    page_ctx = _context(session, finding, visitor, f"/items/{finding.code}", now)
    page_ctx.update(expired=False, used=None, fresh="")
    return page(request, "item.html", page_ctx)


def _may_view(session: Session, visitor: Visitor, finding: Finding) -> None:
    if not may_view(session, visitor, finding):
        raise Forbidden("not_your_item")


async def _form(request: Request) -> Any:
    # The body's size is capped while it is read (app/web/limits.py); parts and fields here.
    return await request.form(max_files=20, max_fields=50)


async def _uploads(form: Any) -> list[tuple[str, bytes]]:
    """The submitted files' names and contents, within the per-file and per-submission caps."""
    settings = ctx.settings()
    found, total = [], 0
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        data = await upload.read(settings.max_evidence_bytes + 1)
        total += len(data)
        if total > settings.max_submission_bytes:
            raise RuleError("file_too_large", field="file", value="(合计 total)", limit=settings.max_submission_bytes)
        found.append((upload.filename, data))
    return found


def _store(uploads: list[tuple[str, bytes]]) -> tuple[StoredFile, ...]:
    return tuple(store_upload(name, data) for name, data in uploads)


def _action(action: str, form: Any, files: tuple[StoredFile, ...]) -> Action:
    """The form's fields as the command's inputs."""
    text = {k: str(form.get(k) or "") for k in ("note", "reason", "to", "due")}
    if action == "extend" and not text["to"]:
        raise RuleError("required", field="to")
    field = "to" if action == "extend" else "due"
    due = parse_day(text[field] or None, field=field)  # an empty field: no date
    return Action(ACTIONS[action], note=text["note"], reason=text["reason"], due=due, files=files)


def _checked_form(visitor: Visitor, action: str, form: Any, uploads: list[tuple[str, bytes]]) -> Action:
    """The form is the page's (its CSRF token, checked without the ledger), then the files
    stored (on a worker thread): a forged form stores nothing."""
    require_csrf(visitor.anchor, form.get("csrf"))
    return _action(action, form, _store(uploads))


@router.post("/l/{token}/fresh")
async def link_fresh(request: Request, token: str) -> Response:
    return await _fresh(request, token)


@router.post("/l/{token}/{action}")
async def link_action(request: Request, token: str, action: str, visitor: ActingByLink) -> Response:
    if action not in ACTIONS:
        return refusal(request, words("unknown_action", action=action[:40]), status=404)
    assert visitor.claim is not None
    form = await _form(request)
    uploads = await _uploads(form) if action == "submit" else []
    command = await run_in_threadpool(_checked_form, visitor, action, form, uploads)
    # The link is read again, and spent in the command's own transaction when the command takes
    # the item out of the person's hands (submitted, decided): until then the same mail's link
    # keeps working for them (签收, then asking for time, then the evidence).
    spend = None if command.command in STAYS_WITH_ACTOR else visitor.claim
    changed = await apply(command, code=visitor.claim.code, actor=lambda session: link_visitor(session, token).person,
                          link=spend)
    # Answered once the ledger has it; the run is woken (it may be mid-pass: up to seconds)
    # and the mail sent after the answer has gone.
    return RedirectResponse(f"/l/{token}?done={action}", status_code=303, background=BackgroundTask(wake, changed))


@router.post("/items/{code}/{action}")
async def staff_action(request: Request, code: str, action: str, visitor: Acting) -> Response:
    if action not in ACTIONS:
        return refusal(request, words("unknown_action", action=action[:40]), status=404)
    form = await _form(request)
    uploads = await _uploads(form) if action == "submit" else []
    command = await run_in_threadpool(_checked_form, visitor, action, form, uploads)
    changed = await apply(command, code=code, actor=session_person(request.cookies.get(SESSION_COOKIE)))
    return RedirectResponse(f"/items/{quote(changed.case.code)}?done={action}", status_code=303,
                            background=BackgroundTask(wake, changed))


def _check_fresh(token: str) -> None:
    with reading(ctx.database()) as session:
        link_visitor(session, token, allow_expired=True)


def _link_holder(session: Session, token: str) -> tuple[Person, Claim]:
    visitor = link_visitor(session, token, allow_expired=True)
    assert visitor.claim is not None
    return visitor.person, visitor.claim


async def _fresh(request: Request, token: str) -> Response:
    """Mail the link's person a fresh link to the same item (once per old link)."""
    await run_in_threadpool(_check_fresh, token)
    form = await request.form()
    with reading(ctx.database()) as session:  # the CSRF token belongs to the link's page
        holder = link_visitor(session, token, allow_expired=True)
        require_csrf(holder.anchor, form.get("csrf"))
        language = language_of(holder)
    email = await send_fresh_link(lambda session: _link_holder(session, token))
    return page(request, "message.html", {"title": say(language, "fresh_sent_title"), "visitor": None,
                                          "lang": language, "message": say(language, "fresh_sent", email=email)})


def _file_response(session: Session, finding: Finding, file_id: int, inline: bool) -> Response:
    if not 1 <= file_id <= MAX_ID:  # no such row: asking the database would overflow its integer
        raise RuleError("file_missing", field="file", value=str(file_id)[:20])
    row = session.get(EvidenceFile, file_id)
    evidence = session.get(Evidence, row.evidence_id) if row else None
    if row is None or evidence is None or (evidence.finding_id != finding.id
                                           and not part_file(session, finding, evidence)):
        raise RuleError("file_missing", field="file", value=str(file_id))
    kind = kind_of(row.original_name)
    path = blob_path(ctx.settings().evidence_dir, row.sha256)
    if not path.is_file():
        raise RuleError("file_missing", field="file", value=row.original_name)
    show = inline and kind is not None and kind.preview
    disposition = "inline" if show else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.original_name)}",
               "Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"}
    media = kind.mime if show and kind else "application/octet-stream"
    return FileResponse(path, media_type=media, headers=headers)  # streamed, not read whole


@router.get("/l/{token}/files/{file_id}")
def link_file(request: Request, token: str, file_id: int, session: Reading, inline: int = 0) -> Response:
    visitor = link_visitor(session, token)
    assert visitor.claim is not None
    return _file_response(session, finding_by_code(session, visitor.claim.code), file_id, bool(inline))


@router.get("/items/{code}/files/{file_id}")
def staff_file(request: Request, code: str, file_id: int, visitor: SignedIn, session: Reading,
               inline: int = 0) -> Response:
    finding = finding_by_code(session, code)
    _may_view(session, visitor, finding)
    return _file_response(session, finding, file_id, bool(inline))
