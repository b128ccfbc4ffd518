"""`/healthz` for a load balancer in front of several portal processes: 200 when this process
can read the ledger at this version's schema, 503 (with the reason) when it cannot. It says
nothing about items or people, so it needs no sign-in."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from messages import RuleError
from services import context as ctx
from store.db import reading

router = APIRouter()


def _probe() -> dict[str, Any]:
    from sqlalchemy import text

    from store.schema import current

    with reading(ctx.database()) as session:
        session.execute(text("SELECT 1"))
        return {"ok": True, "schema": current(session.connection())}


@router.get("/healthz")
async def healthz() -> JSONResponse:
    try:
        return JSONResponse(await run_in_threadpool(_probe))
    except RuleError as exc:  # a ledger of another version: this process must not take traffic
        return JSONResponse({"ok": False, "error": exc.render("en")}, status_code=503)
    except Exception as exc:  # the database does not answer
        return JSONResponse({"ok": False, "error": f"ledger unreachable: {type(exc).__name__}"}, status_code=503)
