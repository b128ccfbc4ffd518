"""Filing findings (立项): one from a form, many from a spreadsheet, or a round's checklist.
Each commits its findings (assigned, where a batch) in one transaction, sends the mail that
must go now, then starts their case runs; with Prefect down, reconcile starts them later."""

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import col, select

from messages import RuleError
from models.catalogue import manifestations
from models.items import commands
from models.people.org import Membership, Person, Unit, UnitKind
from models.rounds.round import round_for
from models.rounds.sheet import (
    FILERS,
    HEADERS,
    MAX_ROWS,
    REQUIRED,
    Sheet,
    file_sheet,
    record_checklist,
    sheet_from,
    validate,
)
from models.rounds.template import findings_template as findings_template_of
from services import context as ctx
from services.case_runs import start_case_runs, start_new_case_run
from services.items import Identify, acting
from services.mail import send_now
from store.db import reading, transaction
from store.spreadsheet import read_table


@dataclass(frozen=True)
class Filed:
    code: str
    run_id: str | None  # None: Prefect did not answer; reconcile starts the run


@dataclass
class Batch:
    """What a spreadsheet or checklist filed."""

    codes: list[str]
    started: list[str]  # case runs started now (the rest: reconcile)
    mail: str  # the delivery report
    results: int = 0  # a checklist's results recorded
    clean: list[str] = field(default_factory=list)  # units with nothing found this month


def record_finding(*, actor: str | Identify, unit: str, manifestation: str, title: str, detail: str = "",
                   deadline_class: str | None = None, owner: str | None = None, actor_field: str = "as") -> str:
    """The finding filed in the ledger (one transaction), its case run not yet started.
    Returns its code."""
    with transaction(ctx.database()) as session:
        person = acting(session, actor, field=actor_field)
        finding = commands.file(
            session, actor=person, unit=unit, manifestation=manifestation, title=title, detail=detail,
            deadline_class=deadline_class or None, owner=owner or None, now=ctx.now(), policy=ctx.policy())
        return finding.code


async def file_finding(*, actor: str | Identify, unit: str, manifestation: str, title: str, detail: str = "",
                       deadline_class: str | None = None, owner: str | None = None,
                       actor_field: str = "as") -> Filed:
    """File one finding; its case run assigns it and mails the owner. `actor`: the filer's
    email (`actor_field` names it in a refusal), or how to read them in the transaction."""
    code = await asyncio.to_thread(lambda: record_finding(
        actor=actor, unit=unit, manifestation=manifestation, title=title, detail=detail,
        deadline_class=deadline_class, owner=owner, actor_field=actor_field))
    return Filed(code, await start_new_case_run(code))


def findings_template() -> bytes:
    """The sheet to fill in (立项表) with this bureau's branches, negative list, classes and
    inspectors as drop-down lists."""
    with reading(ctx.database()) as session:
        units = list(session.exec(select(Unit).where(col(Unit.kind) == UnitKind.branch).order_by(col(Unit.code))))
        filers = select(Person).join(Membership, col(Membership.person_id) == Person.id).where(
            col(Membership.role).in_(FILERS), col(Person.active) == True).distinct()  # noqa: E712
        inspectors = sorted(session.exec(filers), key=lambda p: p.name)
        return findings_template_of(units=units, manifestations=manifestations(session), inspectors=inspectors)


def read_sheet(path: Path, *, max_rows: int = MAX_ROWS) -> Sheet:
    """A spreadsheet of findings (or a checklist), read; file-level faults refused."""
    return sheet_from(read_table(path, headers=HEADERS, required=REQUIRED, max_rows=max_rows))


def checked_sheet(path: Path) -> Sheet:
    """A spreadsheet read and checked row by row against the ledger: nothing is filed yet;
    `sheet.bad` lists every row at fault."""
    sheet = read_sheet(path)
    with reading(ctx.database()) as session:
        validate(session, sheet, language=ctx.settings().language)
    return sheet


async def _after(codes: list[str]) -> tuple[list[str], str]:
    """Mail each owner their batch now, then start the case runs."""
    report = await send_now(None)
    return await start_case_runs(codes), str(report)


async def import_sheet(sheet: Sheet) -> Batch:
    """File and assign every new, valid row of a checked sheet in one transaction."""
    def file_all() -> list[str]:
        with transaction(ctx.database()) as session:
            return file_sheet(session, sheet, now=ctx.now(), policy=ctx.policy())

    codes = await asyncio.to_thread(file_all)
    started, mail = await _after(codes)
    return Batch(codes, started, mail)


def open_round(month: str) -> str:
    """The month's round, which must be open to record results; its month (YYYY-MM)."""
    with reading(ctx.database()) as session:
        return round_for(session, month).month


async def record_round_checklist(month: str, sheet: Sheet, *, source: str = "") -> Batch:
    """A round's checklist (from a sheet, or the portal's form): each 不合格 row filed as a
    finding, each 合格 row counted towards its unit's clean month, in one transaction."""
    if not sheet.has_result:
        raise RuleError("no_result_column", field="file", value=source or sheet.name)

    def record() -> tuple[int, list[str], list[str]]:
        with transaction(ctx.database()) as session:
            rnd = round_for(session, month)
            return record_checklist(session, rnd, sheet, now=ctx.now(), policy=ctx.policy())

    added, codes, clean = await asyncio.to_thread(record)
    started, mail = await _after(codes)
    return Batch(codes, started, mail, results=added, clean=clean)
