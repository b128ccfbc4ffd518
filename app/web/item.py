"""The item page, reached by a signed link from a mail (owners, reviewers, supervisors) or
by a signed-in staff member; its forms apply the same lifecycle commands as the CLI, then
wake the item's case run. A link does one action: used again, it says so."""

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.web.pages import page, refusal
from app.web.security import (
    SESSION_COOKIE,
    Forbidden,
    Visitor,
    link_visitor,
    may_view,
    now,
    require_csrf,
    session_visitor,
    signed_in,
)
from models import commands
from models.db import reading, transaction
from models.directory import finding_by_code
from models.errors import RuleError
from models.evidence import Decision, Evidence, EvidenceFile, Review, blob_path, store_bytes
from models.extension import decide_extension, pending_extension, request_extension
from models.filetypes import kind_of
from models.finding import Finding
from models.ledger import item_view
from models.lifecycle import Command, action_label, allowed
from models.links import spend, spent, unspent
from models.opening import ledger_for
from models.org import Person, Role
from models.outbox import enqueue
from models.policy import Policy
from models.settings import get_settings

router = APIRouter()
OFFERED = (Command.submit, Command.request_extension, Command.accept, Command.return_,
           Command.approve_extension, Command.reject_extension)
ACTIONS = {"submit", "extend", "accept", "return", "approve", "reject"}


def engine() -> Any:
    return ledger_for(get_settings())


def _context(session: Session, finding: Finding, visitor: Visitor, base: str) -> dict[str, Any]:
    policy = Policy.from_settings()
    view = item_view(session, finding, now=now(), policy=policy)
    people = {p.id: p.name for p in session.exec(select(Person))}
    evidence = []
    for ev in session.exec(select(Evidence).where(Evidence.finding_id == finding.id).order_by(Evidence.id.desc())):  # type: ignore[union-attr]
        files = []
        for f in session.exec(select(EvidenceFile).where(EvidenceFile.evidence_id == ev.id)):
            kind = kind_of(f.original_name)
            files.append({"id": f.id, "name": f.original_name, "size": f.size, "preview": bool(kind and kind.preview),
                          "image": bool(kind and kind.mime.startswith("image/"))})
        evidence.append({"at": ev.submitted_at, "by": people.get(ev.submitted_by_id, ""), "account": ev.account,
                         "files": files})
    reviews = [{"at": r.at, "by": people.get(r.reviewer_id, ""), "accepted": r.decision is Decision.accept,
                "reason": r.reason, "due": r.new_due_on}
               for r in session.exec(select(Review).where(Review.finding_id == finding.id).order_by(Review.id))]
    offered = {c.value for c in allowed(session, visitor.person, finding, OFFERED)}
    ext = pending_extension(session, finding)
    if ext is None:
        offered -= {Command.approve_extension.value, Command.reject_extension.value}
    else:
        offered.discard(Command.request_extension.value)
    settings = get_settings()
    return {"view": view, "evidence": evidence, "reviews": reviews, "offered": offered,
            "extension": ext and {"to": ext.to_due, "reason": ext.reason, "by": people.get(ext.requested_by_id, "")},
            "base": base, "visitor": visitor, "label": action_label,
            "max_file_mib": settings.max_evidence_bytes // 2**20,
            "max_total_mib": settings.max_submission_bytes // 2**20}


@router.get("/l/{token}", response_class=HTMLResponse)
def link_page(request: Request, token: str) -> Response:
    with reading(engine()) as session:
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
        ctx = _context(session, finding, visitor, f"/l/{token}")
    if expired or used:
        ctx["offered"] = set()
    ctx.update(expired=expired, used=used, fresh=f"/l/{token}/fresh")
    return page(request, "item.html", ctx)


@router.get("/items/{code}", response_class=HTMLResponse)
def staff_page(request: Request, code: str) -> Response:
    with reading(engine()) as session:
        visitor = signed_in(session, request)
        finding = finding_by_code(session, code)
        _may_view(session, visitor, finding)
        ctx = _context(session, finding, visitor, f"/items/{finding.code}")
    ctx.update(expired=False, used=None, fresh="")
    return page(request, "item.html", ctx)


def _may_view(session: Session, visitor: Visitor, finding: Finding) -> None:
    if not may_view(session, visitor, finding):
        raise Forbidden("您无权查看此事项 (not your item)")


async def _form(request: Request) -> Any:
    # The body's size is capped while it is read (app/web/limits.py); parts and fields here.
    return await request.form(max_files=20, max_fields=50)


async def _uploads(form: Any) -> list[tuple[str, bytes]]:
    """The submitted files' names and contents, within the per-file and per-submission caps."""
    settings = get_settings()
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


def _store(uploads: list[tuple[str, bytes]]) -> list[Any]:
    settings = get_settings()
    return [store_bytes(settings.evidence_dir, name, data, max_bytes=settings.max_evidence_bytes)
            for name, data in uploads]


def _apply(session: Session, action: str, visitor: Visitor, finding: Finding, form: Any, files: list[Any]) -> None:
    kw = {"actor": visitor.person, "finding": finding, "now": now(), "policy": Policy.from_settings()}
    text = {k: str(form.get(k) or "") for k in ("note", "reason", "to", "due")}
    if action == "submit":
        commands.submit(session, account=text["note"], files=files, **kw)
    elif action == "extend":
        to = _day(text["to"], "to")
        if to is None:
            raise RuleError("required", field="to")
        request_extension(session, to=to, reason=text["reason"], **kw)
    elif action == "accept":
        commands.accept(session, **kw)
    elif action == "return":
        commands.return_item(session, reason=text["reason"], new_due=_day(text["due"], "due"), **kw)
    else:
        decide_extension(session, approve=action == "approve", reason=text["reason"], **kw)


def _day(value: Any, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleError("bad_date", field=field, value=str(value)[:40]) from None


async def send_now(finding_id: int | None) -> None:
    """Deliver what the outbox holds for this item now (off the event loop: the relay may be slow)."""
    from notifications.delivery import deliver

    await run_in_threadpool(lambda: deliver(engine(), settings=get_settings(), now=now(), finding_id=finding_id))


async def _wake(code: str) -> str:
    from flows.control import wake_case_run

    return await wake_case_run(engine(), code)


def _check_link(token: str) -> None:
    with reading(engine()) as session:
        visitor = link_visitor(session, token)
        assert visitor.claim is not None
        unspent(session, visitor.claim)


def _act_by_link(token: str, action: str, form: Any, uploads: list[tuple[str, bytes]]) -> str:
    """Check the link and the form, store the files, then apply and spend the link in one
    transaction. Runs on a worker thread: a ledger busy with a long sweep blocks only this."""
    with reading(engine()) as session:
        visitor = link_visitor(session, token)
        require_csrf(visitor.anchor, form.get("csrf"))
        assert visitor.claim is not None
        unspent(session, visitor.claim)  # a second click stores nothing
    files = _store(uploads)
    try:
        with transaction(engine()) as session:
            visitor = link_visitor(session, token)
            assert visitor.claim is not None
            finding = finding_by_code(session, visitor.claim.code)
            spend(session, visitor.claim, now=now(), what=action)
            _apply(session, action, visitor, finding, form, files)
            return finding.code
    except IntegrityError:  # the same link used at the same moment elsewhere: that one won
        raise RuleError("link_used", value=action) from None


@router.post("/l/{token}/{action}")
async def link_action(request: Request, token: str, action: str) -> Response:
    if action == "fresh":
        return await _fresh(request, token)
    if action not in ACTIONS:
        return refusal(request, f"未知操作 (unknown action): {action[:40]}", status=404)
    await run_in_threadpool(_check_link, token)  # a bad or used link reads (and spools) nothing
    form = await _form(request)
    uploads = await _uploads(form) if action == "submit" else []
    code = await run_in_threadpool(_act_by_link, token, action, form, uploads)
    await _wake(code)
    return RedirectResponse(f"/l/{token}?done={action}", status_code=303)


def check_signed_in(request: Request | str | None, roles: tuple[Role, ...] = (), denied: str = "") -> None:
    """A staff route's authority, checked on a worker thread before its body is read."""
    with reading(engine()) as session:
        signed_in(session, request, roles, denied)


def _act_in_session(cookie: str | None, code: str, action: str, form: Any, uploads: list[tuple[str, bytes]]) -> str:
    with reading(engine()) as session:
        visitor = signed_in(session, cookie)
        require_csrf(visitor.anchor, form.get("csrf"))
    files = _store(uploads)
    with transaction(engine()) as session:
        visitor = session_visitor(session, cookie)
        assert visitor is not None
        finding = finding_by_code(session, code)
        _apply(session, action, visitor, finding, form, files)
        return finding.code


@router.post("/items/{code}/{action}")
async def staff_action(request: Request, code: str, action: str) -> Response:
    if action not in ACTIONS:
        return refusal(request, f"未知操作 (unknown action): {action[:40]}", status=404)
    await run_in_threadpool(check_signed_in, request.cookies.get(SESSION_COOKIE))  # before reading the body
    form = await _form(request)
    uploads = await _uploads(form) if action == "submit" else []
    code = await run_in_threadpool(_act_in_session, request.cookies.get(SESSION_COOKIE), code, action, form, uploads)
    await _wake(code)
    return RedirectResponse(f"/items/{quote(code)}?done={action}", status_code=303)


def _check_fresh(token: str) -> None:
    with reading(engine()) as session:
        link_visitor(session, token, allow_expired=True)


def _enqueue_fresh(token: str, form: Any) -> tuple[int | None, str]:
    with transaction(engine()) as session:
        visitor = link_visitor(session, token, allow_expired=True)
        require_csrf(visitor.anchor, form.get("csrf"))
        assert visitor.claim is not None
        finding = finding_by_code(session, visitor.claim.code)
        enqueue(session, dedupe_key=f"fresh:{visitor.claim.digest}", recipient_id=visitor.person.id,  # type: ignore[arg-type]
                recipient_email=visitor.person.email, template="fresh_link",
                language=visitor.person.language or get_settings().language,
                context={"recipient": visitor.person.name, "code": finding.code, "title": finding.title},
                now=now(), finding_id=finding.id)
        return finding.id, visitor.person.email


async def _fresh(request: Request, token: str) -> Response:
    """Mail the link's person a fresh link to the same item (once per old link)."""
    await run_in_threadpool(_check_fresh, token)
    form = await request.form()
    finding_id, email = await run_in_threadpool(_enqueue_fresh, token, form)
    await send_now(finding_id)
    return page(request, "message.html", {"title": "已发送新链接 (a fresh link is on its way)", "visitor": None,
                                          "message": f"新的链接已发送至 {email}，请查收邮件。"})


def _file_response(session: Session, finding: Finding, file_id: int, inline: bool) -> Response:
    row = session.get(EvidenceFile, file_id)
    evidence = session.get(Evidence, row.evidence_id) if row else None
    if row is None or evidence is None or evidence.finding_id != finding.id:
        raise RuleError("file_missing", field="file", value=str(file_id))
    kind = kind_of(row.original_name)
    path = blob_path(get_settings().evidence_dir, row.sha256)
    if not path.is_file():
        raise RuleError("file_missing", field="file", value=row.original_name)
    show = inline and kind is not None and kind.preview
    disposition = "inline" if show else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.original_name)}",
               "Content-Security-Policy": "sandbox; default-src 'none'", "X-Content-Type-Options": "nosniff"}
    media = kind.mime if show and kind else "application/octet-stream"
    return FileResponse(path, media_type=media, headers=headers)  # streamed, not read whole


@router.get("/l/{token}/files/{file_id}")
def link_file(request: Request, token: str, file_id: int, inline: int = 0) -> Response:
    with reading(engine()) as session:
        visitor = link_visitor(session, token)
        assert visitor.claim is not None
        return _file_response(session, finding_by_code(session, visitor.claim.code), file_id, bool(inline))


@router.get("/items/{code}/files/{file_id}")
def staff_file(request: Request, code: str, file_id: int, inline: int = 0) -> Response:
    with reading(engine()) as session:
        visitor = signed_in(session, request)
        finding = finding_by_code(session, code)
        _may_view(session, visitor, finding)
        return _file_response(session, finding, file_id, bool(inline))
