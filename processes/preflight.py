"""`rectiflow check`: what a process needs before it starts, beyond one machine.

A Prefect worker or a portal on another machine needs the same ledger, the same secret, the
shared folder, the organisation loaded, Prefect's API (with its auth string) and the mail
relay. Each is checked here and named when missing, so a worker that could only fail its
runs is never started (systemd: `ExecStartPre=rectiflow check --role worker`).
"""

import asyncio
import hmac
import socket
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import select

from store.settings import Settings

POOL = "rectiflow"


class ProcessKind(StrEnum):
    worker = "worker"
    portal = "portal"


@dataclass
class Check:
    what: str
    problem: str | None = None  # None: fine
    warning: bool = False  # a problem that only delays (the mail relay)


def _ledger(settings: Settings) -> list[Check]:
    from messages import RuleError
    from models.audit.chain import ChainHead, anchor_mac
    from models.catalogue import Manifestation
    from models.instance import instance_id
    from models.links import anchor_key
    from models.people.org import Person, Unit
    from services.opening import database_for, secret
    from store.db import reading
    from store.shared_folder import problem

    checks = []
    where = settings.resolved_database_url.split("@")[-1]  # never the password
    try:
        engine = database_for(settings)
        with reading(engine) as session:
            ledger = instance_id(session)
            units = session.exec(select(func.count()).select_from(Unit)).one()
            people = session.exec(select(func.count()).select_from(Person)).one()
            manifestations = session.exec(select(func.count()).select_from(Manifestation)).one()
            head = session.get(ChainHead, 1)
    except RuleError as exc:
        return [Check("ledger", f"{where}: {exc} (run `rectiflow db upgrade`)")]
    except Exception as exc:  # unreachable, refused, no such database
        return [Check("ledger", f"{where} cannot be opened: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")]
    checks.append(Check(f"ledger {ledger[:8]}… at {where}"))
    checks.append(Check("organisation and negative list", None if units and people and manifestations else
                        "not loaded: run `rectiflow org load <file>` once, before any worker starts"))
    if settings.database_url and not settings.secret_key:
        checks.append(Check("secret key", "RECTIFLOW_SECRET_KEY is not set: every process of a deployment "
                                          "needs the same one (32+ characters), or mailed links break"))
    elif head is not None and head.mac and not hmac.compare_digest(
            head.mac, anchor_mac(anchor_key(secret(settings)), head.seq, head.last_hash)):
        checks.append(Check("secret key", "RECTIFLOW_SECRET_KEY differs from the one the ledger's processes use "
                                          "(the audit anchor does not verify with it)"))
    else:
        checks.append(Check("secret key"))
    checks.append(Check(f"shared folder {settings.shared_dir}", problem(settings.shared_dir, ledger)))
    return checks


async def _prefect(role: ProcessKind) -> Check:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    try:
        async with get_client() as client:
            failure = await client.api_healthcheck()
            if failure is not None:
                raise failure
            # /health answers without the auth string (Prefect exempts it for probes): a call
            # that needs it shows whether this process's PREFECT_API_AUTH_STRING is right.
            (await client.hello()).raise_for_status()
            if role is ProcessKind.worker:
                await client.read_work_pool(POOL)
    except ObjectNotFound:
        return Check(f"Prefect API {url}", f"no work pool {POOL!r}: run `prefect work-pool create {POOL} "
                                           "--type process` and `prefect deploy --all` first")
    except Exception as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if "401" in text:  # answering, and refusing this process: a setting to fix, for every role
            return Check(f"Prefect API {url}", f"refused: {text} (PREFECT_API_AUTH_STRING is missing or wrong)")
        # A portal serves people without Prefect (runs catch up later); a worker cannot work.
        return Check(f"Prefect API {url}", f"not answering: {text}", warning=role is ProcessKind.portal)
    return Check(f"Prefect API {url}")


def _relay(settings: Settings) -> Check:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with socket.create_connection((settings.smtp_host, settings.smtp_port), timeout=3):
            return Check(f"mail relay {where}")
    except OSError as exc:
        return Check(f"mail relay {where}", f"not answering ({exc.strerror or exc}): mail waits in the outbox",
                     warning=True)


def _folders(settings: Settings, role: ProcessKind) -> list[Check]:
    # A worker's runs start in a temporary folder: a relative path would land there and vanish.
    relative = [f"RECTIFLOW_{name.upper()}={path}" for name, path in
                (("data_dir", settings.data_dir), ("files_dir", settings.files_dir))
                if path is not None and not path.is_absolute()]
    if role is ProcessKind.worker and relative:
        return [Check("folders", f"{', '.join(relative)}: must be absolute on a worker (its runs start elsewhere)")]
    return []


def run_checks(settings: Settings, role: ProcessKind) -> list[Check]:
    return [*_folders(settings, role), *_ledger(settings), asyncio.run(_prefect(role)), _relay(settings)]
