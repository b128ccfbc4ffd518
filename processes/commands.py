"""Running the system, as commands: `rectiflow up` (the embedded stack), `portal` (the portal
alone), `check` (before a worker or portal starts beyond one machine), `rehearse` (Prefect's
self-hosting topology on this machine). The entry point adds them to the people's CLI (app/)."""

from pathlib import Path

import typer

from app.output import out
from processes.preflight import ProcessKind, run_checks
from services import context as ctx


def up(
    demo: bool = typer.Option(False, "--demo", help="load the demo organisation and sample findings"),
    limit: int = typer.Option(4, "--limit", help="case passes run at once"),
) -> None:
    """The embedded stack: Prefect server + UI, every deployment served, the SMTP sink."""
    from processes.stack import run_stack

    run_stack(demo=demo, limit=limit)


def rehearse(
    data: Path = typer.Option(Path(".rectiflow-topology"), "--data", help="logs, mail and each process's folder"),
    postgres: str = typer.Option("postgresql://postgres@127.0.0.1:5432", "--postgres", help="PostgreSQL server"),
    redis: str = typer.Option("redis://127.0.0.1:6379/10", "--redis", help="Redis (messaging; docket: next db)"),
    base_port: int = typer.Option(4400, "--base-port", min=1024, max=65000),
    apis: int = typer.Option(2, "--apis", min=1, max=8),
    workers: int = typer.Option(2, "--workers", min=1, max=8),
    portals: int = typer.Option(2, "--portals", min=1, max=8),
    prefix: str = typer.Option("rectiflow_rehearsal", "--prefix", help="its databases: <prefix>_prefect, _ledger"),
    relay: str = typer.Option("", "--relay", help="host:port of an SMTP relay (default: a mail sink of its own)"),
    fresh: bool = typer.Option(False, "--fresh", help="drop the rehearsal's databases first"),
    with_demo: bool = typer.Option(False, "--demo", help="load the demo organisation and sample findings"),
    org: Path | None = typer.Option(None, "--org", exists=True, dir_okay=False,
                                    help="load this organisation (YAML) before the workers start"),
) -> None:
    """Prefect's self-hosting topology on this machine: API processes on PostgreSQL and Redis,
    one services process, workers from prefect.yaml, portals; every process a real command."""
    import re

    from processes.rehearsal import bring_up
    from processes.topology import Plan

    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise typer.BadParameter("lower-case letters, digits and _ (at most 41)", param_hint="--prefix")
    if relay and not re.fullmatch(r"[A-Za-z0-9.\-]{1,200}:\d{1,5}", relay):
        raise typer.BadParameter("host:port", param_hint="--relay")

    plan = Plan(data_dir=data.resolve(), postgres=postgres.rstrip("/"), redis=redis, base_port=base_port,
                apis=apis, workers=workers, portals=portals, prefix=prefix, relay=relay)
    bring_up(plan, fresh=fresh, demo=with_demo, org=org)


def check_cmd(role: ProcessKind = typer.Option(ProcessKind.worker, "--role", help="what this machine runs")) -> None:
    """Before a worker or portal starts beyond one machine: the ledger, the secret, the shared
    folder, the organisation, Prefect's API and the mail relay. Exit 2 if it cannot work."""
    checks = run_checks(ctx.settings(), role)
    for c in checks:
        mark = "[green]✓[/]" if c.problem is None else "[yellow]![/]" if c.warning else "[red]✗[/]"
        out.print(f"{mark} {c.what}" + (f": {c.problem}" if c.problem else ""), soft_wrap=True, highlight=False)
    if any(c.problem and not c.warning for c in checks):
        raise SystemExit(2)


def portal(
    host: str | None = typer.Option(None, "--host", help="default RECTIFLOW_PORTAL_HOST"),
    port: int | None = typer.Option(None, "--port", help="default RECTIFLOW_PORTAL_PORT"),
) -> None:
    """Serve the portal alone (beyond one machine: several behind a load balancer, all with the
    same RECTIFLOW_SECRET_KEY and ledger). `rectiflow up` serves it already."""
    import uvicorn

    from app.web.main import create_app

    settings = ctx.settings()
    uvicorn.run(create_app(), host=host or settings.portal_host, port=port or settings.portal_port,
                log_level="info", proxy_headers=True, ssl_certfile=settings.portal_tls_cert or None,
                ssl_keyfile=settings.portal_tls_key or None)
