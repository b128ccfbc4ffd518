"""Bringing the rehearsal topology up in order, keeping it up, and taking it down."""

import sys
import time
from pathlib import Path

from app.output import err, out
from processes.balancer import Balancer
from processes.stack import stop_on_sigterm
from processes.topology import (
    POOL,
    Plan,
    Process,
    api_healthy,
    exe,
    healthy,
    operator_env_file,
    prepare_databases,
    processes,
    run_once,
    state_file,
    wait_for,
    workers_online,
    write_operator_env,
    write_state,
)
from store.files import private_folder


def bring_up(plan: Plan, *, fresh: bool, demo: bool, org: Path | None = None) -> None:
    stop_on_sigterm()
    private_folder(plan.data_dir)  # owner-only: topology.json and the env file hold the secrets
    logs = plan.data_dir / "logs"
    procs = processes(plan)
    by_kind = {p.name: p for p in procs}
    apis = [p for p in procs if p.name.startswith("prefect-api-")]
    balancers: list[Balancer] = []
    sink, robots = None, None
    try:
        out.print(f"PostgreSQL {plan.postgres}, Redis {plan.redis} …")
        prepare_databases(plan, fresh=fresh)
        from notifications.sink import MailSink

        if not plan.relay:
            sink = MailSink(plan.data_dir / "mail", host="127.0.0.1", port=plan.smtp[1]).start()
        from notifications.messenger_sink import MessengerSink

        robots = MessengerSink(plan.data_dir / "messages", port=plan.messenger_port).start()
        admin = plan.client_env("admin")
        run_once([exe("prefect"), "server", "database", "upgrade", "-y"], plan.server_env("migrate"),
                 logs / "migrate.log", what="Prefect's database migrations")
        run_once([exe("rectiflow"), "db", "upgrade"], admin, logs / "migrate.log", what="the ledger's migrations")
        out.print(f"starting {len(apis)} Prefect API processes and the services process …")
        # One after the other: each API process registers Prefect's block types when it starts,
        # and two doing so at once on a fresh database collide (one exits; systemd would retry).
        for i, p in enumerate([*apis, by_kind["prefect-services"]], start=1):
            p.start()
            if p in apis:
                wait_for(lambda i=i: api_healthy(f"http://127.0.0.1:{plan.api_port(i)}/api", plan.auth_string),
                         timeout=120, what=p.name, procs=[p])
        balancers.append(Balancer(plan.base_port, [plan.api_port(i) for i in range(1, plan.apis + 1)]).start())
        run_once([exe("prefect"), "work-pool", "create", POOL, "--type", "process", "--overwrite"], admin,
                 logs / "deploy.log", what="the work pool")
        run_once([exe("prefect"), "--no-prompt", "deploy", "--all"], admin, logs / "deploy.log",
                 what="prefect deploy --all")
        if org is not None:  # before the workers: they start only once the organisation is there
            out.print(run_once([exe("rectiflow"), "org", "load", str(org.resolve())], admin, logs / "demo.log",
                               what="the organisation").strip())
        if demo:
            out.print(run_once([exe("rectiflow"), "demo"], admin, logs / "demo.log", what="the demo").strip())
        for p in procs:
            if p not in apis and p.name != "prefect-services" and not p.start():
                raise SystemExit(f"{p.name} refused to start:\n{p.refused}")
        balancers.append(Balancer(plan.base_port + 10, [plan.portal_port(i) for i in range(1, plan.portals + 1)])
                         .start())
        # Up means answering: every portal's health check, and every worker polling the pool.
        portals = [p for p in procs if p.name.startswith("portal-")]
        wait_for(lambda: all(healthy(f"http://127.0.0.1:{plan.portal_port(i)}/healthz")
                             for i in range(1, plan.portals + 1)), timeout=60, what="the portals", procs=portals)
        wait_for(lambda: workers_online(plan) >= plan.workers, timeout=60, what="the workers",
                 procs=[p for p in procs if p.name.startswith("worker-")])
        write_state(plan, procs)
        env_file = write_operator_env(plan)
        auth = plan.auth_string
        out.print(
            "\n[bold]the rehearsal topology is up[/]\n"
            f"  Prefect UI    {plan.api_url.removesuffix('/api')}  (sign in with {auth})\n"
            f"  portal        {plan.portal_url}  ({plan.portals} processes)\n"
            f"  processes     {', '.join(p.name for p in procs)}\n"
            f"  logs          {logs}\n"
            f"  mail          {plan.relay or plan.data_dir / 'mail'}"
            f"{'' if plan.relay else f'  (stand-in relay on 127.0.0.1:{plan.smtp[1]})'}\n"
            f"  ledger        {plan.database('ledger', 'psycopg')}\n"
            f"  operator env  set -a; . {env_file}; set +a   (then rectiflow … as a worker would)\n"
            f"  state         {state_file(plan)}\n"
            "  stop          Ctrl-C\n", soft_wrap=True, highlight=False)
        sys.stdout.flush()
        supervise(plan, procs)
    except KeyboardInterrupt:
        pass
    finally:
        err.print("stopping …")
        for p in reversed(procs):
            p.stop()
        for b in balancers:
            b.stop()
        if sink is not None:
            sink.stop()
        if robots is not None:
            robots.stop()
        state_file(plan).unlink(missing_ok=True)
        operator_env_file(plan).unlink(missing_ok=True)


def supervise(plan: Plan, procs: list[Process]) -> None:
    """Start again whatever exits, a second later (systemd's Restart=always, RestartSec=1)."""
    while True:
        time.sleep(1)
        changed = False
        for p in procs:
            if p.alive:
                continue
            code = p.popen.returncode if p.popen is not None else None
            was_refused = p.refused
            if p.start():
                err.print(f"[yellow]![/] {p.name} exited ({code}); started again")
                changed = True
            elif not was_refused:  # said once; tried again every second until it can start
                err.print(f"[red]✗[/] {p.name} refused to start: {p.refused.splitlines()[-1] if p.refused else ''}")
                p.popen = None
        if changed:
            write_state(plan, procs)

