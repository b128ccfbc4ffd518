"""The monthly notice (通报): a draft rebuilt at will until it is published, then frozen.

Publishing mails it (through the outbox, once per person) to leadership, supervisors and
every branch secretary, and records who published it in the audit log."""

from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Field, Session, SQLModel, col, select

from messages import RuleError
from models.audit.chain import append_event
from models.columns import enum_type, json_type, stored_id, utc
from models.deadlines.calendar import local_date
from models.items.lifecycle import PUBLISHERS, role_names
from models.outbox import enqueue
from models.people.directory import holders, person_by_email, roles_of
from models.people.org import Person, Role, Unit, UnitKind
from models.rounds.round import Round, RoundStatus


class NoticeStatus(StrEnum):
    draft = "draft"
    published = "published"


class Notice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(unique=True, max_length=7)
    status: NoticeStatus = Field(default=NoticeStatus.draft, sa_type=enum_type(NoticeStatus))
    number: str = Field(max_length=60)  # 发文字号, e.g. 机关党委督〔2026〕11号
    title: str = Field(max_length=200)
    issuer: str = Field(max_length=200)
    copy_to: str = Field(default="", max_length=500)  # 抄送 in the distribution record
    figures: dict[str, Any] = Field(default_factory=dict, sa_type=json_type())
    builds: int = 0  # how many times the draft was built
    built_at: datetime = Field(sa_type=utc)
    # The files in <data_dir>/notices/<month>/, by content hash: a published file is checkable.
    files: dict[str, Any] = Field(default_factory=dict, sa_type=json_type())
    published_at: datetime | None = Field(default=None, sa_type=utc)
    published_by: str = Field(default="", max_length=254)


def notice_number(code: str, year: int, month: int) -> str:
    return f"{code}〔{year}〕{month}号"


def notice_title(year: int, month: int) -> str:
    return f"关于{year}年{month}月作风建设督察情况的通报"


def issuer_name(session: Session, configured: str) -> str:
    """The issuing body: as configured, else the bureau's name and its Party committee's."""
    if configured:
        return configured
    units = list(session.exec(select(Unit).where(col(Unit.kind).in_([UnitKind.bureau, UnitKind.committee]))
                              .order_by(col(Unit.id))))
    bureau = next((u.name for u in units if u.kind is UnitKind.bureau), "")
    committee = next((u.name for u in units if u.kind is UnitKind.committee), "机关党委")
    return bureau + committee.removeprefix("局") if bureau and committee.startswith("局") else committee


def notice_for(session: Session, month: str, *, lock: bool = False) -> Notice | None:
    query = select(Notice).where(col(Notice.month) == month)
    return session.exec(query.with_for_update() if lock else query).first()


@dataclass(frozen=True)
class NoticeSummary:
    """What the CLI, the flow and the artifact show of a notice. It is dated the day its
    draft was built (what was reviewed is what is published)."""

    month: str
    status: NoticeStatus
    number: str
    title: str
    issuer: str
    dated: date
    builds: int
    files: dict[str, str]  # kind (docx, xlsx, chart) -> path in the shared folder
    figures: dict[str, Any]  # the month's figures as the notice keeps them (MonthFigures.as_json)
    published_by: str
    mails: int | None = None  # queued when it was published just now

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value, "dated": self.dated.isoformat()}


def notice_summary(notice: Notice, *, timezone: str, mails: int | None = None) -> NoticeSummary:
    return NoticeSummary(notice.month, notice.status, notice.number, notice.title, notice.issuer,
                         local_date(notice.built_at, timezone), notice.builds,
                         {k: v["path"] for k, v in notice.files.items()}, dict(notice.figures), notice.published_by,
                         mails)


def refuse_if_published(notice: Notice | None, language: str = "zh") -> None:
    if notice is not None and notice.status is NoticeStatus.published:
        assert notice.published_at is not None
        raise RuleError("notice_published", field="month", value=notice.month,
                        when=notice.published_at)


def refuse_if_early(session: Session, month: str, *, today: date) -> None:
    """A notice is an official record of a whole month: published only once the month has
    ended (naming the first day it may be) and its round is closed."""
    year, mon = (int(part) for part in month.split("-"))
    following = date(year + mon // 12, mon % 12 + 1, 1)
    if today < following:
        raise RuleError("notice_early", field="month", value=month, day=following.isoformat())
    rnd = session.exec(select(Round).where(col(Round.month) == month)).first()
    if rnd is not None and rnd.status is RoundStatus.open:
        raise RuleError("notice_round_open", field="month", value=month)


def save_draft(session: Session, *, month: str, number: str, title: str, issuer: str,
               figures: dict[str, Any], files: dict[str, Any], now: datetime, copy_to: str = "") -> Notice:
    """Replace the month's draft (or start it); a published notice is refused."""
    notice = notice_for(session, month, lock=True)
    refuse_if_published(notice)
    if notice is None:
        notice = Notice(month=month, number=number, title=title, issuer=issuer, built_at=now)
    notice.number, notice.title, notice.issuer, notice.copy_to = number, title, issuer, copy_to
    notice.figures, notice.files = figures, files
    notice.builds += 1
    notice.built_at = now
    session.add(notice)
    session.flush()
    return notice




def publisher(session: Session, email: str) -> str:
    """Who may publish a notice: a supervisor, an admin or a leader."""
    person = person_by_email(session, email)
    if not roles_of(session, person) & set(PUBLISHERS):
        raise RuleError("forbidden", field="as", actor=person.name, command=("发布通报", "publish the notice"),
                        need=role_names(PUBLISHERS))
    return person.email


def recipients(session: Session) -> list[Person]:
    """Leadership, supervisors and every branch secretary, each once."""
    seen: dict[int, Person] = {}
    for role in (Role.leader, Role.supervisor, Role.secretary):
        for person in holders(session, role):
            seen.setdefault(stored_id(person), person)
    return list(seen.values())


def publish(session: Session, *, month: str, actor: str, now: datetime, language: str,
            mail_context: dict[str, Any], files: dict[str, Any] | None = None) -> tuple[Notice, int]:
    """Freeze the draft and put one mail per recipient in the outbox. Publishing twice is
    refused; the dedupe keys would add no second mail anyway."""
    notice = notice_for(session, month, lock=True)
    if notice is None:
        raise RuleError("no_notice", field="month", value=month)
    refuse_if_published(notice)
    notice.files = {**notice.files, **(files or {})}  # the Word file without its draft mark
    notice.status, notice.published_at, notice.published_by = NoticeStatus.published, now, actor
    session.add(notice)
    sent = 0
    for person in recipients(session):
        row = enqueue(session, dedupe_key=f"notice:{month}:{stored_id(person)}", recipient_id=stored_id(person),
                      recipient_email=person.email, template="notice", language=person.language or language,
                      context={**mail_context, "files": dict(notice.files), "name": person.name}, now=now)
        sent += row is not None
    append_event(session, finding_id=None, actor=actor, kind="notice.publish",
                 data={"month": month, "number": notice.number, "files": dict(notice.files), "recipients": sent},
                 now=now)
    return notice, sent
