"""Findings from a spreadsheet (整改事项导入): read, validate every row, then file.

The whole sheet is checked before anything is written and every bad row is reported with
its row number and reason. A row's import key (its `ref` column, or a hash of its content)
is stored on the finding, so importing the same sheet again files nothing twice.
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from messages import RuleError
from models.audit.chain import batched_events
from models.catalogue import Manifestation
from models.columns import stored_id
from models.items.finding import Finding
from models.items.lifecycle import TRANSITIONS, Command, standing
from models.people.absence import addressee
from models.people.directory import memberships_fixed
from models.people.org import Membership, Person, Role, Unit
from models.text import check_text
from models.words import Words, deadline_class

MAX_ROWS = 20_000
# Accepted header names per field (Chinese first), matched without case or spaces.
HEADERS: dict[str, tuple[str, ...]] = {
    "unit": ("单位", "支部", "unit"),
    "manifestation": ("具体表现", "负面清单", "manifestation"),
    "title": ("问题", "标题", "title"),
    "detail": ("问题描述", "描述", "detail"),
    "deadline_class": ("类别", "整改类别", "class"),
    "inspector": ("督察员", "inspector"),
    "owner": ("责任人", "owner"),
    "ref": ("编号", "ref"),
    "result": ("结果", "result"),
}
PASS = {"合格", "通过", "pass", "ok", "✓"}
FAIL = {"不合格", "fail", "×", "✗"}
REQUIRED = ("unit", "manifestation", "title", "inspector")
FILERS = TRANSITIONS[Command.file].who


@dataclass
class SheetRow:
    number: int  # the row number a person sees in Excel
    values: dict[str, str]
    key: str = ""
    problems: list[str] = field(default_factory=list)
    existing: str | None = None  # already imported as this code
    passed: bool = False  # a checklist row marked 合格: nothing to file


@dataclass
class Sheet:
    name: str
    rows: list[SheetRow]
    has_result: bool = False  # a round checklist (结果 column), not a list of findings

    @property
    def bad(self) -> list[SheetRow]:
        return [r for r in self.rows if r.problems]

    @property
    def new(self) -> list[SheetRow]:
        return [r for r in self.rows if not r.problems and r.existing is None and not r.passed]


def _norm(text: Any) -> str:
    return "".join(str(text or "").split()).lower()


class ReadRow(Protocol):
    @property
    def number(self) -> int: ...
    @property
    def values(self) -> dict[str, str]: ...
    @property
    def problems(self) -> list[str]: ...


class ReadTable(Protocol):
    """What reading a spreadsheet gives (store/spreadsheet.py)."""

    @property
    def name(self) -> str: ...
    @property
    def rows(self) -> Sequence[ReadRow]: ...
    @property
    def columns(self) -> set[str]: ...


def sheet_from(table: ReadTable) -> Sheet:
    """The rows read from a spreadsheet, as a sheet of findings (or a round's checklist)."""
    return Sheet(table.name, [SheetRow(r.number, r.values, problems=r.problems) for r in table.rows],
                 has_result="result" in table.columns)


Said = Callable[[RuleError], str]  # a refusal as the sheet's reader reads it


def _problem(row: SheetRow, said: Said, key: str, field: str = "", **params: Any) -> None:
    row.problems.append(said(RuleError(key, field=field, **params)))


def _owner_in(words: Words, unit: Unit | None) -> Callable[[str], str]:
    """An owner named by e-mail anywhere, or by name among the unit's members."""
    return lambda text: words.person(text, unit=unit).email


def _resolve(row: SheetRow, name: str, find: Callable[[str], str], said: Said) -> None:
    """Replace the clerk's word in the row by the ledger's key (a code, an e-mail), or say why not."""
    if row.values.get(name):
        try:
            row.values[name] = find(row.values[name])
        except RuleError as exc:
            row.problems.append(said(exc))


def validate(session: Session, sheet: Sheet, *, language: str = "zh",
             fields: Mapping[str, str] | None = None) -> Sheet:
    """Check every row against the ledger, each name in the clerk's words turned into the
    ledger's key (models/words.py); find rows imported before. Problems are said in `language`,
    each field named as `fields` labels it (a form's own labels; else its key)."""

    def said(exc: RuleError) -> str:
        return exc.render(language, fields=fields)

    words = Words.load(session)
    units = {u.code: u for u in words.units}
    with_secretary = {m.unit_id for m in session.exec(select(Membership)
                                                      .join(Person, col(Person.id) == Membership.person_id)
                                                      .where(col(Membership.role) == Role.secretary,
                                                             col(Person.active) == True))}  # noqa: E712
    may_file: dict[str, bool] = {}
    seen: dict[str, int] = {}
    for row in sheet.rows:
        v = row.values
        problem = partial(_problem, row, said)
        if sheet.has_result:
            verdict = _norm(v.get("result"))
            if verdict in {_norm(w) for w in PASS}:
                row.passed = True
            elif verdict not in {_norm(w) for w in FAIL}:
                problem("pass_or_fail", "result", value=v.get("result") or "—")
        for name, value in v.items():  # no control characters; one line except the detail
            try:
                check_text(value, field=name, multiline=name == "detail")
            except RuleError as exc:
                row.problems.append(said(exc))
        for name in REQUIRED:
            if not v.get(name) and not (row.passed and name == "title"):
                problem("required", name)
        _resolve(row, "unit", lambda text: words.unit(text).code, said)
        _resolve(row, "manifestation", lambda text: words.manifestation(text).id, said)
        _resolve(row, "deadline_class", lambda text: deadline_class(text).value, said)
        unit = units.get(v.get("unit", ""))
        _resolve(row, "inspector", lambda text: words.person(text, field="inspector").email, said)
        _resolve(row, "owner", _owner_in(words, unit), said)
        if len(v.get("title", "")) > 200:
            problem("too_long", "title", limit=200)
        if len(v.get("detail", "")) > 4000:
            problem("too_long", "detail", limit=4000)
        inspector = v.get("inspector", "")
        if (person := words.by_email.get(inspector)) is not None:  # named, and found
            if not person.active:
                problem("inactive_person", "inspector", value=inspector)
            else:
                if inspector not in may_file:
                    may_file[inspector] = bool(standing(session, person, None) & FILERS)
                if not may_file[inspector]:
                    problem("may_not_file", "inspector", value=inspector)
        owner = v.get("owner", "")
        if (named := words.by_email.get(owner)) is not None and not named.active:
            problem("inactive_person", "owner", value=owner)
        if not owner and unit is not None and unit.id not in with_secretary:
            problem("no_secretary_row", "owner", value=unit.name)
        if row.passed:
            continue  # nothing will be filed: no key, no duplicate check
        content = "\x1f".join(_norm(v.get(k)) for k in ("unit", "manifestation", "title", "detail", "inspector"))
        row.key = v["ref"][:64] if v.get("ref") else hashlib.sha256(content.encode()).hexdigest()
        if row.key in seen:
            problem("duplicate_row", value=seen[row.key])
        seen.setdefault(row.key, row.number)
    keys = [r.key for r in sheet.rows if r.key]
    for i in range(0, len(keys), 500):
        for code, key in session.exec(select(Finding.code, Finding.import_key)
                                      .where(col(Finding.import_key).in_(keys[i:i + 500]))):
            for row in sheet.rows:
                if row.key == key:
                    row.existing = code
    return sheet


def file_sheet(session: Session, sheet: Sheet, *, now: Any, policy: Any) -> list[str]:
    """File and assign every new, valid row in the caller's transaction, then give each owner
    one mail listing their new items (not one per item)."""
    from models.items import commands
    from models.items.codes import next_codes
    from models.outbox import enqueue

    people = {p.email: p for p in session.exec(select(Person))}
    new = sheet.new
    local_now = now.astimezone(ZoneInfo(policy.timezone))
    taken = iter(next_codes(session, local_now=local_now, count=len(new)) if new else [])
    codes: list[str] = []
    units = {u.id: u.name for u in session.exec(select(Unit))}
    mans = {m.id: m.title_zh for m in session.exec(select(Manifestation))}
    # Each owner's lines, not their Finding objects: the session lets go of each item once it
    # is written, so a long sheet's memory does not grow with its items.
    per_owner: dict[int, list[dict[str, Any]]] = {}
    # The audit chain is extended once for the whole sheet; who holds which role is read once.
    with batched_events(session), memberships_fixed(session):
        for row in new:
            v = row.values
            finding = commands.file(
                session, actor=people[v["inspector"].lower()], unit=v["unit"], manifestation=v["manifestation"],
                title=v["title"], detail=v.get("detail", ""), deadline_class=v.get("deadline_class") or None,
                owner=v.get("owner") or None, now=now, policy=policy, import_key=row.key, code=next(taken))
            commands.assign(session, actor=None, finding=finding, now=now, policy=policy, mail=False)
            codes.append(finding.code)
            assert finding.owner_id is not None, "just assigned"
            per_owner.setdefault(finding.owner_id, []).append({
                "code": finding.code, "title": finding.title, "unit": units.get(finding.unit_id, ""),
                "manifestation_id": finding.manifestation_id,
                "manifestation_zh": mans.get(finding.manifestation_id, ""),
                "deadline_class": finding.deadline_class.value,
                "due_on": finding.due_on.isoformat() if finding.due_on else "",
                "due_provisional": finding.due_provisional})
    by_id = {p.id: p for p in people.values()}
    for owner_id, items in per_owner.items():
        owner = by_id[owner_id]
        to, name = addressee(session, owner, now, policy.language)  # 委托: an absent owner's goes to their delegate
        enqueue(session, dedupe_key=f"batch:{items[0]['code']}:{items[-1]['code']}:{owner_id}",
                recipient_id=stored_id(to), recipient_email=to.email, template="assigned_batch",
                language=to.language or policy.language,
                context={"recipient": name, "items": items}, now=now)
    return codes


def record_checklist(session: Session, rnd: Any, sheet: Sheet, *, now: Any,
                     policy: Any) -> tuple[int, list[str], list[str]]:
    """A round's filled-in checklist (from Excel or the portal), in the caller's transaction:
    file each 不合格 row as a finding, keep every good row as the round's result.
    Returns (results added, codes filed, clean units)."""
    from models.people.directory import finding_by_code
    from models.rounds.round import clean_units, record_results

    new_rows = sheet.new
    codes = file_sheet(session, sheet, now=now, policy=policy)
    filed = dict(zip((r.number for r in new_rows), codes, strict=True))
    results = []
    for row in sheet.rows:
        if row.problems:
            continue
        code = filed.get(row.number) or row.existing
        finding_id = finding_by_code(session, code).id if code else None
        results.append((row.values["unit"], row.values["manifestation"], row.passed, finding_id))
    added = record_results(session, rnd, results, now=now)
    return added, codes, clean_units(session, rnd)
