"""分解 on the item page: the parts of an item (with their evidence, for its verifier) and the
form that splits it, by the mail's link or a signed-in person; both go through
services.splitting.split_item."""

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.background import BackgroundTask

from app.web.deps import Acting, ActingByLink
from app.web.security import SESSION_COOKIE, link_visitor, require_csrf, session_person
from models.deadlines.dates import parse_day
from models.items.evidence import Evidence, EvidenceFile
from models.items.finding import STATE_LABELS, Finding
from models.items.split import MAX_PARTS, Part, parts_of
from models.people.org import Person, Unit, UnitKind
from services.splitting import split_now, start_parts

router = APIRouter()
ROWS = 3  # empty rows the form offers; more by splitting again … or the CLI


def parts_context(session: Session, finding: Finding) -> dict[str, Any]:
    """What the page shows of the family: the parent's code, and each part with its latest
    evidence (the parent's verifier checks the parts' work too)."""
    parent = session.get(Finding, finding.parent_id) if finding.parent_id else None
    parts = []
    for sub in parts_of(session, finding):
        unit, owner = session.get(Unit, sub.unit_id), session.get(Person, sub.owner_id) if sub.owner_id else None
        ev = session.exec(select(Evidence).where(col(Evidence.finding_id) == sub.id)
                          .order_by(col(Evidence.id).desc())).first()
        files = list(session.exec(select(EvidenceFile).where(col(EvidenceFile.evidence_id) == ev.id))) if ev else []
        parts.append({"code": sub.code, "title": sub.title, "unit": unit.name if unit else "",
                      "owner": owner.name if owner else "", "due": sub.due_on,
                      "state": STATE_LABELS[sub.state][0], "account": ev.account if ev else "",
                      "files": [{"id": f.id, "name": f.original_name} for f in files]})
    units = list(session.exec(select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code))))
    return {"parent": parent.code if parent else None, "parts": parts, "split_rows": range(1, ROWS + 1),
            "split_units": units, "split_max": MAX_PARTS}


def part_file(session: Session, finding: Finding, evidence: Evidence) -> bool:
    """Whether this evidence is one of the item's parts' (shown to the item's readers)."""
    sub = session.get(Finding, evidence.finding_id)
    return sub is not None and sub.parent_id == finding.id


def _parts(form: Any) -> list[Part]:
    found: list[Part] = []
    for i in range(1, ROWS + 1):
        fields = {k: str(form.get(f"{k}{i}") or "").strip()[:300] for k in ("unit", "owner", "title", "due")}
        if not any(fields.values()):
            continue
        due = parse_day(fields["due"] or None, field=f"parts[{len(found) + 1}].due")
        found.append(Part(unit=fields["unit"], owner=fields["owner"], title=fields["title"], due=due))
    return found


@router.post("/l/{token}/split")
async def split_by_link(request: Request, token: str, visitor: ActingByLink) -> Response:
    form = await request.form(max_files=0, max_fields=4 * ROWS + 2)
    require_csrf(visitor.anchor, form.get("csrf"))
    assert visitor.claim is not None
    done = await split_now(visitor.claim.code, actor=lambda session: link_visitor(session, token).person,
                           parts=_parts(form), link=visitor.claim)
    return RedirectResponse(f"/l/{token}?done=split", status_code=303, background=BackgroundTask(start_parts, done))


@router.post("/items/{code}/split")
async def split_signed_in(request: Request, code: str, visitor: Acting) -> Response:
    form = await request.form(max_files=0, max_fields=4 * ROWS + 2)
    require_csrf(visitor.anchor, form.get("csrf"))
    done = await split_now(code, actor=session_person(request.cookies.get(SESSION_COOKIE)), parts=_parts(form))
    return RedirectResponse(f"/items/{quote(done.parent.case.code)}?done=split", status_code=303,
                            background=BackgroundTask(start_parts, done))
