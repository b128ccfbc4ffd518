"""`/metrics` in Prometheus' text format, for the bureau's monitoring (deploy/prometheus/).
Off unless RECTIFLOW_METRICS_TOKEN is set; the scraper sends it as a bearer token (the
figures say how many items are red in which colour: not for the public)."""

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from starlette.concurrency import run_in_threadpool

from services import context as ctx
from services.metrics import Figures, figures

router = APIRouter()


def _exposition(f: Figures) -> bytes:
    registry = CollectorRegistry()
    items = Gauge("rectiflow_open_items", "Open rectification items by deadline colour", ["colour"],
                  registry=registry)
    for colour, count in f.open_by_colour.items():
        items.labels(colour=colour).set(count)
    Gauge("rectiflow_unacknowledged_items", "Open items their owner has not signed for",
          registry=registry).set(f.unacknowledged)
    mail = Gauge("rectiflow_mail", "Outbox rows waiting or failed, by status", ["status"], registry=registry)
    for status in ("pending", "sending", "failed"):
        mail.labels(status=status).set(f.mail.get(status, 0))
    Gauge("rectiflow_prefect_up", "Whether Prefect's API answered", registry=registry).set(1 if f.prefect_up else 0)
    Gauge("rectiflow_runs_stuck", "Runs Pending or Running longer than RECTIFLOW_STUCK_SECONDS",
          registry=registry).set(f.runs_stuck)
    Gauge("rectiflow_runs_late", "Scheduled runs gone Late (no worker or services process took them)",
          registry=registry).set(f.runs_late)
    Gauge("rectiflow_workers_online", "Workers of the rectiflow pool Prefect sees online",
          registry=registry).set(f.workers_online)
    Gauge("rectiflow_last_sweep_timestamp_seconds", "When the last daily deadline sweep completed",
          registry=registry).set(f.last_sweep)
    Gauge("rectiflow_last_backup_timestamp_seconds", "When the newest backup under RECTIFLOW_BACKUP_DIR was made",
          registry=registry).set(f.last_backup)
    return generate_latest(registry)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    token = ctx.settings().metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not token:
        return Response("not enabled (RECTIFLOW_METRICS_TOKEN)\n", status_code=404, media_type="text/plain")
    if not hmac.compare_digest(given, token):
        return Response("bearer token required\n", status_code=401, media_type="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    return Response(_exposition(await run_in_threadpool(figures)), media_type=CONTENT_TYPE_LATEST)
