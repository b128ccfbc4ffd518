"""The monthly notice (通报): built from the ledger in every format into the shared folder
(replacing its draft), and published (frozen, mailed). A published notice never changes."""

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from messages import RuleError
from models.deadlines.calendar import local_date, month_bounds
from models.items.finding import STATE_LABELS, State
from models.ledger.export import ledger_workbook
from models.ledger.views import ItemView, ledger_views
from models.notices.figures import month_figures
from models.notices.notice import (
    NoticeSummary,
    issuer_name,
    notice_for,
    notice_number,
    notice_summary,
    notice_title,
    publish,
    refuse_if_early,
    refuse_if_published,
    save_draft,
)
from models.people.org import Unit, UnitKind
from models.policy import Policy
from models.rounds.round import parse_month
from notifications.chart import trend_chart
from notifications.notice_doc import notice_document
from notifications.notice_text import markdown
from services import context as ctx
from services.rulebook import load_compliance_policy, load_deadline_policy
from store.db import transaction
from store.files import replace_file


def build_notice(month: str, at: datetime) -> NoticeSummary:
    """Compute the month from the ledger, render the chart, the Word notice and the Excel
    ledger, and save them as the month's draft (replacing an earlier draft)."""
    settings = ctx.settings()
    year, mon = parse_month(month)
    month = f"{year:04d}-{mon:02d}"
    when = at
    first, _, _, month_end = month_bounds(year, mon, ZoneInfo(settings.timezone))
    if first > local_date(when, settings.timezone):
        raise RuleError("month_ahead", field="month", value=month)
    with transaction(ctx.database()) as session:
        refuse_if_published(notice_for(session, month))
        figures = month_figures(session, year=year, month=mon, now=when,
                                compliance=load_compliance_policy(settings.compliance_file),
                                deadlines=load_deadline_policy(settings.escalation_file), timezone=settings.timezone)
        cutoff = min(when, month_end)
        policy = ctx.policy(settings)
        # The ledger as the figures read it: the last instant of the month (its last day, not
        # the next month's first), each item in the state and colour it had then.
        views = as_of_cutoff([v for v in ledger_views(session, now=cutoff - timedelta(microseconds=1), policy=policy)
                              if v.filed_at < cutoff], figures.open_at_cutoff, policy)
        issuer = issuer_name(session, settings.notice_issuer)
        copy_to = "，".join(session.exec(select(Unit.name).where(
            col(Unit.kind).in_([UnitKind.leadership, UnitKind.discipline])).order_by(col(Unit.id))))
    number, title = notice_number(settings.notice_code, year, mon), notice_title(year, mon)
    dated = local_date(when, settings.timezone)
    data = figures.as_json()
    chart = trend_chart(data["trend"])
    docx = notice_document(data, number=number, title=title, issuer=issuer, dated=dated, chart_png=chart,
                           copy_to=copy_to, draft=f"（草稿，数据截至 {figures.cutoff}，未发布）")
    xlsx = ledger_workbook(views, language=settings.language)
    folder = settings.notice_dir / month
    with transaction(ctx.database()) as session:
        refuse_if_published(notice_for(session, month, lock=True))  # published meanwhile: keep its files
        files = {"docx": replace_file(folder, f"通报-{month}.docx", docx),
                 "xlsx": replace_file(folder, f"整改台账-{month}.xlsx", xlsx),
                 "chart": replace_file(folder, f"trend-{month}.png", chart)}
        notice = save_draft(session, month=month, number=number, title=title, issuer=issuer, figures=data,
                            files=files, now=when, copy_to=copy_to)
        return notice_summary(notice, timezone=settings.timezone)


def as_of_cutoff(views: list[ItemView], open_then: dict[str, int], policy: Policy) -> list[ItemView]:
    """Each row as it stood at the cutoff: open then (closed since: shown open), with the
    escalation level it had then; closed then: no colour."""
    shown = []
    for v in views:
        level = open_then.get(v.code)
        if level is None:
            shown.append(replace(v, escalation_level=0, colour=""))
            continue
        state = State.assigned if v.state is State.closed else v.state
        label = STATE_LABELS[state][0 if policy.language == "zh" else 1]
        shown.append(replace(v, state=state, state_label=label, escalation_level=level,
                             colour=policy.level_colours.get(level, "") if level else ""))
    return shown


def publish_notice(month: str, at: datetime, actor: str) -> NoticeSummary:
    """Freeze the month's draft as it was reviewed (its figures and date), with the Word
    file's draft mark removed, and queue one mail per recipient."""
    settings = ctx.settings()
    when = at
    with transaction(ctx.database()) as session:
        draft = notice_for(session, month)
        if draft is None:
            raise RuleError("no_notice", field="month", value=month)
        refuse_if_published(draft)
        refuse_if_early(session, month, today=local_date(when, settings.timezone))
        docx = notice_document(dict(draft.figures), number=draft.number, title=draft.title, issuer=draft.issuer,
                               dated=local_date(draft.built_at, settings.timezone), copy_to=draft.copy_to,
                               chart_png=Path(draft.files["chart"]["path"]).read_bytes())
    with transaction(ctx.database()) as session:
        draft = notice_for(session, month, lock=True)
        refuse_if_published(draft)  # published meanwhile: keep its file
        assert draft is not None
        files = {"docx": replace_file(settings.notice_dir / month, f"通报-{month}.docx", docx)}
        context = {"month": month, "number": draft.number, "title": draft.title, "issuer": draft.issuer,
                   "figures": dict(draft.figures)}
        notice, mails = publish(session, month=month, actor=actor, now=when, language=settings.language,
                                files=files, mail_context=context)
        return notice_summary(notice, timezone=settings.timezone, mails=mails)


def notice_markdown(summary: NoticeSummary) -> str:
    return markdown(summary.figures, number=summary.number, title=summary.title, issuer=summary.issuer,
                    status=summary.status.value, dated=summary.dated)

