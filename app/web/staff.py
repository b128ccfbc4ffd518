"""Staff pages behind a passwordless sign-in: filing a finding, the round's checklist, the
ledger with colours and its Excel export, and (embedded stack only) the mail folder."""

from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from app.web.deps import FILERS, NOT_FILER, Acting, ActingFiler, Filer, LedgerReader, Now, Reading, SignedIn
from app.web.pages import field_labels, language_of, page, refusal, say, words
from app.web.security import (
    Visitor,
    require_csrf,
    signed_in,
)
from messages import RuleError, labels
from models.catalogue import DeadlineClass, manifestations
from models.items.finding import State
from models.items.lifecycle import READERS, WATCHERS
from models.ledger.export import ledger_workbook
from models.ledger.views import LedgerQuery, ledger_views
from models.people.org import Role, Unit, UnitKind
from models.rounds.round import Round, RoundAssignment, RoundStatus
from models.rounds.sheet import Sheet, SheetRow, validate
from services import context as ctx
from services.filing import file_finding, findings_template, record_round_checklist
from store.db import reading

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, visitor: SignedIn, session: Reading, now: Now) -> Response:
    policy = replace(ctx.policy(), language=language_of(visitor))
    mine = ledger_views(session, now=now, policy=policy, query=LedgerQuery(
        owner_id=visitor.person.id, states=(State.assigned, State.submitted)))
    return page(request, "home.html", {"visitor": visitor, "mine": mine, "filer": visitor.has(*FILERS),
                                       "reader": visitor.has(*READERS), "watcher": visitor.has(*WATCHERS),
                                       "mail_folder": request.app.state.mail_folder and visitor.has(Role.admin),
                                       "admin": visitor.has(Role.admin)})


def _catalogue(session: Session, language: str = "zh") -> dict[str, Any]:
    units = list(session.exec(select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code))))
    return {"units": units, "manifestations": manifestations(session),
            "classes": [(c.value, labels.label(labels.CLASSES, c.value, language)) for c in DeadlineClass]}


@router.get("/file", response_class=HTMLResponse)
def file_form(request: Request, visitor: Filer, session: Reading) -> Response:
    return page(request, "file.html", {"visitor": visitor, "values": {}, "problem": "",
                                       **_catalogue(session, language_of(visitor))})


@router.post("/file", response_class=HTMLResponse)
async def file_submit(request: Request, _filer: ActingFiler) -> Response:  # checked before the body is read
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in ("unit", "manifestation", "title", "detail", "class", "owner")}
    visitor, form_choices = await run_in_threadpool(_filing_form, request, form)
    try:
        filed = await file_finding(
            actor=visitor.person.email, unit=values["unit"],
            manifestation=values["manifestation"], title=values["title"], detail=values["detail"],
            deadline_class=values["class"] or None, owner=values["owner"].strip() or None)
    except RuleError as exc:
        language = language_of(visitor)
        problem = exc.render(language, fields=field_labels(language, FILE_FIELDS), zone=ctx.settings().timezone)
        return page(request, "file.html", {"visitor": visitor, "values": values, "problem": problem,
                                           **form_choices}, status=400)
    return RedirectResponse(f"/items/{quote(filed.code)}?done=file", status_code=303)


# The filing form's own labels (catalogue keys), for naming the field a refusal is about.
FILE_FIELDS = {"unit": "field_unit", "manifestation": "manifestation", "title": "field_title", "detail": "field_detail",
               "class": "field_class", "owner": "owner"}


def _filing_form(request: Request, form: Any) -> tuple[Visitor, dict[str, Any]]:
    """The filer and the form's choices (on a worker thread)."""
    with reading(ctx.database()) as session:
        visitor = signed_in(session, request, FILERS, NOT_FILER)
        require_csrf(visitor.anchor, form.get("csrf"))
        return visitor, _catalogue(session, language_of(visitor))


def _my_round(session: Session, visitor: Visitor, month: str) -> tuple[Round | None, list[Unit]]:
    rnd = session.exec(select(Round).where(col(Round.month) == month)).first()
    if rnd is None:
        return None, []
    units = list(session.exec(select(Unit).join(RoundAssignment, col(RoundAssignment.unit_id) == Unit.id).where(
        col(RoundAssignment.round_id) == rnd.id, col(RoundAssignment.inspector_id) == visitor.person.id)
        .order_by(col(Unit.code))))
    return rnd, units


@router.get("/round", response_class=HTMLResponse)
def round_page(request: Request, visitor: SignedIn, session: Reading, now: Now, month: str = "") -> Response:
    month = month or f"{now:%Y-%m}"
    rnd, units = _my_round(session, visitor, month)
    return page(request, "round.html", {"visitor": visitor, "month": month, "round": rnd, "units": units,
                                        "manifestations": manifestations(session), "values": {}, "problems": []})


@router.post("/round", response_class=HTMLResponse)
async def round_record(request: Request, _visitor: Acting) -> Response:  # checked before the body is read
    form = await request.form(max_fields=5000)
    outcome = await run_in_threadpool(_checklist_from_form, request, form)
    if isinstance(outcome, Response):
        return outcome
    visitor, month, sheet = outcome
    batch = await record_round_checklist(month, sheet)
    codes = batch.codes
    language = language_of(visitor)
    none = say(language, "none")
    message = say(language, "round_recorded", results=batch.results, filed=len(codes),
                  codes="、".join(codes) or none, clean="、".join(batch.clean) or none)
    return page(request, "message.html", {"visitor": visitor, "title": say(language, "round_recorded_title",
                                                                           month=month), "message": message})


# The checklist's own words for the fields a problem may be about (catalogue keys).
CHECKLIST_FIELDS = {"result": "round_result", "title": "field_title", "detail": "field_detail"}


def _checklist_from_form(request: Request, form: Any) -> Response | tuple[Visitor, str, Sheet]:
    """The portal's checklist as a sheet, checked whole (on a worker thread); the form again
    with every problem when any row is at fault."""
    month = str(form.get("month") or "")
    with reading(ctx.database()) as session:
        visitor = signed_in(session, request)
        require_csrf(visitor.anchor, form.get("csrf"))
        rnd, units = _my_round(session, visitor, month)
        if rnd is None or rnd.status is not RoundStatus.open or not units:
            return refusal(request, words("no_round_for_you", month=month[:7]))
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
        language = language_of(visitor)
        sheet = validate(session, Sheet("portal", rows, has_result=True), language=language,
                         fields=field_labels(language, CHECKLIST_FIELDS))
        if sheet.bad:  # all or nothing: show every problem, record nothing
            values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
            problems = [f"{r.values['unit']} {r.values['manifestation']}: {'; '.join(r.problems)}" for r in sheet.bad]
            return page(request, "round.html", {"visitor": visitor, "month": month, "round": rnd, "units": units,
                                                "manifestations": mans, "values": values, "problems": problems},
                        status=400)
    return visitor, rnd.month, sheet


def _ledger(session: Session, request: Request, now: datetime,
            language: str | None = None) -> tuple[list[Any], dict[str, str]]:
    """The ledger as the page's filters select it (filtered by the database), its words in the
    reader's language (the bureau's when none is given)."""
    q = {k: request.query_params.get(k, "")[:40] for k in ("unit", "colour", "state", "month")}
    policy = ctx.policy() if language is None else replace(ctx.policy(), language=language)
    return ledger_views(session, now=now, policy=policy, query=LedgerQuery(unit=q["unit"], colour=q["colour"],
                                                                     state=q["state"], month=q["month"])), q


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, visitor: LedgerReader, session: Reading, now: Now) -> Response:
    language = language_of(visitor)
    views, q = _ledger(session, request, now, language)
    colour_choices = [("none", say(language, "no_colour")),
                      *((c, labels.colour_label(c, language)) for c in labels.COLOURS)]
    counts = {c: sum(1 for v in views if (v.colour or "none") == c) for c, _ in colour_choices}
    units = _catalogue(session, language)["units"]
    return page(request, "ledger.html", {"visitor": visitor, "views": views, "q": q, "units": units,
                                         "counts": counts, "colour_choices": colour_choices,
                                         "states": [(s.value, labels.label(labels.STATES, s.value, language))
                                                    for s in State],
                                         "query": str(request.url.query)})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/file/template.xlsx")
def file_template(request: Request, _filer: Filer) -> Response:
    """The sheet to fill in for many findings at once (rectiflow import takes it back)."""
    return Response(findings_template(), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('立项表.xlsx')}"})


@router.get("/ledger.xlsx")
def ledger_export(request: Request, _reader: LedgerReader, session: Reading, now: Now) -> Response:
    views, _ = _ledger(session, request, now)
    data = ledger_workbook(views, language=ctx.settings().language)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('整改台账.xlsx')}"})
