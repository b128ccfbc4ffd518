"""The dashboard (整改总览) for supervisors, leadership and discipline: the overview's figures
as charts (services.overview; the same figures as Prefect's `overview` artifact)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from app.web import charts
from app.web.deps import Now, Watcher
from app.web.pages import language_of, page
from services.overview import overview

router = APIRouter()


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, visitor: Watcher, now: Now) -> Response:
    ov = await run_in_threadpool(overview, now=now)
    language = language_of(visitor)
    return page(request, "dashboard.html", {
        "visitor": visitor, "ov": ov, "by_branch": charts.colours_by_branch(ov.branches, language),
        "trend": charts.trend(ov.trend, language),
        "compliance": charts.compliance(ov.compliance_rate, ov.target, ov.branches, language)})
