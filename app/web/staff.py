"""Staff pages behind a passwordless sign-in: filing a finding, the round's checklist, the
ledger with colours and its Excel export, and (embedded stack only) the mail folder."""

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from app.web.item import check_signed_in, engine, send_now
from app.web.pages import page, refusal
from app.web.security import (
    SESSION_COOKIE,
    Visitor,
    anchor,
    end_session,
    now,
    require_csrf,
    session_visitor,
    signed_in,
    signer,
    start_session,
)
from models import commands
from models.calendar import local_date
from models.catalogue import DeadlineClass, manifestations
from models.db import reading, transaction
from models.errors import RuleError
from models.finding import CLASS_LABELS, STATE_LABELS, State
from models.ledger import ledger_views
from models.ledger_export import ledger_workbook
from models.links import SIGN_IN, spend
from models.org import Person, Role, Unit, UnitKind
from models.outbox import enqueue
from models.policy import Policy
from models.round import Round, RoundAssignment, RoundStatus
from models.settings import get_settings
from models.sheet import Sheet, SheetRow, record_checklist, validate

router = APIRouter()
FILERS = (Role.inspector, Role.supervisor, Role.admin)
LEDGER_READERS = (Role.inspector, Role.supervisor, Role.admin, Role.leader, Role.discipline)
NOT_READER = "台账仅对督察、机关党委、领导和纪检开放 (not for your role)"
NOT_FILER = "只有督察员、机关党委或管理员可以立项 (inspectors, supervisors, admins)"


def _safe_next(target: str) -> str:
    # Only a path on this site: "//host" and "/\\host" would send the browser elsewhere.
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", {"csrf": signer().csrf(anchor(request)), "next": _safe_next(next),
                                        "sent": False, "minutes": get_settings().signin_minutes})


def _queue_sign_in(email: str, target: str) -> bool:
    """Put a sign-in mail in the outbox for a registered, active address; say whether."""
    with transaction(engine()) as session:
        person = session.exec(select(Person).where(Person.email == email)).first()
        if person is None or not person.active:
            return False
        minutes = get_settings().signin_minutes
        token = signer().issue(SIGN_IN, person.id, expires_at=now() + timedelta(minutes=minutes))  # type: ignore[arg-type]
        link = f"{get_settings().portal_url.rstrip('/')}/login/{token}?next={quote(target)}"
        # At most one sign-in mail per person per minute: the form cannot be used to flood a mailbox.
        enqueue(session, dedupe_key=f"sign-in:{person.id}:{now():%Y%m%d%H%M}", recipient_id=person.id,  # type: ignore[arg-type]
                recipient_email=person.email, template="sign_in", language=person.language or get_settings().language,
                context={"recipient": person.name, "sign_in": link, "minutes": minutes}, now=now())
        return True


@router.post("/login", response_class=HTMLResponse)
async def login_send(request: Request) -> Response:
    form = await request.form()
    require_csrf(anchor(request), form.get("csrf"))
    email = str(form.get("email") or "").strip().lower()[:254]
    target = _safe_next(str(form.get("next") or "/"))

    async def queue_and_send() -> None:
        if await run_in_threadpool(_queue_sign_in, email, target):
            await send_now(None)

    # The same answer either way, and at the same moment: the lookup and the mail happen after
    # the page is sent, so neither the page nor its timing tells who is registered.
    response = page(request, "login.html", {"csrf": signer().csrf(anchor(request)), "next": target, "sent": True,
                                            "minutes": get_settings().signin_minutes})
    response.background = BackgroundTask(queue_and_send)
    return response


@router.get("/login/{token}")
def login_with(request: Request, token: str, next: str = "/") -> Response:
    with transaction(engine()) as session:
        claim = signer().read(token, SIGN_IN, now=now())
        person = session.get(Person, claim.person_id)
        if person is None or not person.active:
            raise RuleError("link_invalid")
        spend(session, claim, now=now(), what="sign-in")
    response = RedirectResponse(_safe_next(next), status_code=303)
    start_session(response, request, person)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    form = await request.form()

    response = RedirectResponse("/login", status_code=303)

    def check_and_end() -> None:
        cookie = request.cookies.get(SESSION_COOKIE)
        try:
            with transaction(engine()) as session:
                visitor = session_visitor(session, cookie)
                if visitor is not None:
                    require_csrf(visitor.anchor, form.get("csrf"))
                end_session(session, response, cookie)
        except IntegrityError:  # the same session logged out in another tab at the same moment
            pass

    await run_in_threadpool(check_and_end)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    with reading(engine()) as session:
        visitor = signed_in(session, request)
        mine = [v for v in ledger_views(session, now=now(), policy=Policy.from_settings())
                if v.owner_email == visitor.person.email and v.state in ("assigned", "submitted")]
    return page(request, "home.html", {"visitor": visitor, "mine": mine, "filer": visitor.has(*FILERS),
                                       "reader": visitor.has(*LEDGER_READERS),
                                       "mail_folder": request.app.state.mail_folder and visitor.has(Role.admin)})


def _catalogue(session: Session) -> dict[str, Any]:
    units = list(session.exec(select(Unit).where(Unit.kind == UnitKind.branch).order_by(Unit.code)))
    return {"units": units, "manifestations": manifestations(session),
            "classes": [(c.value, CLASS_LABELS[c][0]) for c in DeadlineClass]}


@router.get("/file", response_class=HTMLResponse)
def file_form(request: Request) -> Response:
    with reading(engine()) as session:
        visitor = signed_in(session, request, FILERS, NOT_FILER)
        ctx = _catalogue(session)
    return page(request, "file.html", {"visitor": visitor, "values": {}, "problem": "", **ctx})


@router.post("/file", response_class=HTMLResponse)
async def file_submit(request: Request) -> Response:
    from flows.control import start_case_run

    await run_in_threadpool(check_signed_in, request, FILERS, NOT_FILER)  # before reading the body
    form = await request.form()
    outcome = await run_in_threadpool(_file_from_form, request, form)
    if isinstance(outcome, Response):
        return outcome
    await start_case_run(engine(), outcome)
    return RedirectResponse(f"/items/{quote(outcome)}?done=file", status_code=303)


def _file_from_form(request: Request, form: Any) -> Response | str:
    """File the finding (on a worker thread); its code, or the form again with the refusal."""
    values = {k: str(form.get(k) or "") for k in ("unit", "manifestation", "title", "detail", "class", "owner")}
    with reading(engine()) as session:
        visitor = signed_in(session, request, FILERS, NOT_FILER)
        require_csrf(visitor.anchor, form.get("csrf"))
        ctx = _catalogue(session)
    try:
        with transaction(engine()) as session:
            finding = commands.file_finding(
                session, actor=session.get(Person, visitor.person.id), unit=values["unit"],  # type: ignore[arg-type]
                manifestation=values["manifestation"], title=values["title"], detail=values["detail"],
                deadline_class=values["class"] or None, owner=values["owner"].strip() or None, now=now(),
                policy=Policy.from_settings())
            return finding.code
    except RuleError as exc:
        return page(request, "file.html", {"visitor": visitor, "values": values, "problem": exc.render("zh"), **ctx},
                    status=400)


def _my_round(session: Session, visitor: Visitor, month: str) -> tuple[Round | None, list[Unit]]:
    rnd = session.exec(select(Round).where(Round.month == month)).first()
    if rnd is None:
        return None, []
    units = list(session.exec(select(Unit).join(RoundAssignment, RoundAssignment.unit_id == Unit.id).where(
        RoundAssignment.round_id == rnd.id, RoundAssignment.inspector_id == visitor.person.id).order_by(Unit.code)))
    return rnd, units


@router.get("/round", response_class=HTMLResponse)
def round_page(request: Request, month: str = "") -> Response:
    month = month or f"{now():%Y-%m}"
    with reading(engine()) as session:
        visitor = signed_in(session, request)
        rnd, units = _my_round(session, visitor, month)
        mans = manifestations(session)
    return page(request, "round.html", {"visitor": visitor, "month": month, "round": rnd, "units": units,
                                        "manifestations": mans, "values": {}, "problems": []})


@router.post("/round", response_class=HTMLResponse)
async def round_record(request: Request) -> Response:
    from flows.control import start_case_run

    await run_in_threadpool(check_signed_in, request)  # before reading the body
    form = await request.form(max_fields=5000)
    outcome = await run_in_threadpool(_record_from_form, request, form)
    if isinstance(outcome, Response):
        return outcome
    visitor, month, added, codes, clean = outcome
    await send_now(None)
    for code in codes:
        await start_case_run(engine(), code)
    message = (f"{added} 条结果已录入，{len(codes)} 项问题立项：{'、'.join(codes) or '无'}；"
               f"本月无问题单位：{'、'.join(clean) or '无'}")
    return page(request, "message.html", {"visitor": visitor, "title": f"{month} 督察结果已录入 (recorded)",
                                          "message": message})


def _record_from_form(request: Request, form: Any) -> Response | tuple[Visitor, str, int, list[str], list[str]]:
    """Check the whole checklist and record it in one transaction (on a worker thread)."""
    month = str(form.get("month") or "")
    with transaction(engine()) as session:
        visitor = signed_in(session, request)
        require_csrf(visitor.anchor, form.get("csrf"))
        rnd, units = _my_round(session, visitor, month)
        if rnd is None or rnd.status is not RoundStatus.open or not units:
            return refusal(request, f"{month[:7]} 没有分配给您的、进行中的督察 (no open round assigned to you)")
        mans = manifestations(session)
        rows, number = [], 0
        for unit in units:
            for man in mans:
                number += 1
                key = f"{unit.code}.{man.id}"
                rows.append(SheetRow(number, {
                    "unit": unit.code, "manifestation": man.id, "inspector": visitor.person.email,
                    "result": {"pass": "合格", "fail": "不合格"}.get(str(form.get(f"{key}.result") or ""), ""),
                    "title": str(form.get(f"{key}.title") or "").strip(),
                    "detail": str(form.get(f"{key}.detail") or "").strip()}))
        sheet = validate(session, Sheet("portal", rows, has_result=True))
        if sheet.bad:  # all or nothing: show every problem, record nothing
            values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            problems = [f"{r.values['unit']} {r.values['manifestation']}: {'; '.join(r.problems)}" for r in sheet.bad]
            return page(request, "round.html", {"visitor": visitor, "month": month, "round": rnd, "units": units,
                                                "manifestations": mans, "values": values, "problems": problems},
                        status=400)
        added, codes, clean = record_checklist(session, rnd, sheet, now=now(), policy=Policy.from_settings())
    return visitor, month, added, codes, clean


def _ledger(session: Session, request: Request) -> tuple[list[Any], dict[str, str]]:
    q = {k: request.query_params.get(k, "") for k in ("unit", "colour", "state", "month")}
    views = ledger_views(session, now=now(), policy=Policy.from_settings())
    if q["unit"]:
        views = [v for v in views if v.unit_code == q["unit"]]
    if q["colour"]:
        views = [v for v in views if (v.colour or "none") == q["colour"]]
    if q["state"]:
        views = [v for v in views if v.state == q["state"]]
    if q["month"]:
        tz = get_settings().timezone
        views = [v for v in views if f"{local_date(v.filed_at, tz):%Y-%m}" == q["month"]]
    return views, q


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request) -> Response:
    with reading(engine()) as session:
        visitor = signed_in(session, request, LEDGER_READERS, NOT_READER)
        views, q = _ledger(session, request)
        units = _catalogue(session)["units"]
    counts = {c: sum(1 for v in views if (v.colour or "none") == c) for c in ("none", "blue", "yellow", "red")}
    return page(request, "ledger.html", {"visitor": visitor, "views": views, "q": q, "units": units, "counts": counts,
                                         "states": [(s.value, STATE_LABELS[s][0]) for s in State],
                                         "query": str(request.url.query)})


@router.get("/ledger.xlsx")
def ledger_export(request: Request) -> Response:
    with reading(engine()) as session:
        signed_in(session, request, LEDGER_READERS, NOT_READER)
        views, _ = _ledger(session, request)
    data = ledger_workbook(views, language=get_settings().language)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('整改台账.xlsx')}"})
