"""How the CLI shows items: rich tables for people, JSON for scripts."""

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from messages import labels
from messages.console import CONSOLE
from models.deadlines.calendar import local_time
from models.items.lifecycle import action_label, event_note
from models.ledger.views import ItemView
from services import context as ctx

out = Console(highlight=False)
# Messages must stay whole when piped: a wrapped line would split a file name in two.
err = Console(stderr=True, highlight=False, soft_wrap=True)

def lang() -> str:
    """The language the CLI speaks (RECTIFLOW_LANGUAGE)."""
    return ctx.settings().language


def said(key: str, **fields: Any) -> str:
    """A CLI message from the catalogue (messages/console.py), in the CLI's language."""
    zh, en = CONSOLE[key]
    return (zh if lang() == "zh" else en).format(**fields)


COLOUR_STYLE = {"blue": "bold blue", "yellow": "bold yellow", "red": "bold red"}
COLOUR_LABEL = {lang: {c: labels.colour_label(c, lang) for c in labels.COLOURS} for lang in ("zh", "en")}

LABELS = {
    "zh": {"code": "编号", "state": "状态", "unit": "单位", "manifestation": "具体表现", "title": "问题",
           "class": "类别", "owner": "责任人", "due": "整改期限", "original_due": "原定期限", "left": "剩余/逾期",
           "level": "督办", "run": "流程", "events": "记录", "overdue": "逾期 {n} 个工作日",
           "remaining": "剩余 {n} 个工作日", "today": "今日到期", "provisional": "（暂定）",
           "no_run": "未启动：{note}", "extensions": "延期", "pending": "待批延期至 {d}",
           "recurrence": "反弹（前次）", "mail": "邮件", "acknowledged": "签收", "unsigned": "尚未签收",
           "parent": "分解自",
           "mail_trouble": "{w} 封待重发，{f} 封发送失败（rectiflow mail list）"},
    "en": {"code": "Code", "state": "State", "unit": "Unit", "manifestation": "Manifestation",
           "title": "Problem", "class": "Class", "owner": "Owner", "due": "Due", "original_due": "Original due",
           "left": "Left", "level": "Level", "run": "Case run", "events": "History",
           "overdue": "{n} working days overdue", "remaining": "{n} working days left",
           "today": "due today", "provisional": " (provisional)", "no_run": "not started: {note}",
           "extensions": "Extensions", "pending": "extension to {d} pending", "recurrence": "Recurrence of",
           "acknowledged": "Acknowledged", "unsigned": "not yet", "parent": "Split from",
           "mail": "Mail", "mail_trouble": "{w} waiting for the relay, {f} failed (rectiflow mail list)"},
}


HISTORY = {"zh": ("操作", "人员", "说明"), "en": ("Action", "Actor", "Note")}


def left_text(view: ItemView, lang: str) -> str:
    n = view.working_days_left
    if n is None:
        return "—"
    if n < 0:
        return LABELS[lang]["overdue"].format(n=-n)
    return LABELS[lang]["today"] if n == 0 else LABELS[lang]["remaining"].format(n=n)


def level_text(view: ItemView, lang: str) -> str:
    if not view.escalation_level:
        return "0"
    colour = view.colour
    return f"[{COLOUR_STYLE[colour]}]{view.escalation_level} {COLOUR_LABEL[lang][colour]}[/]"


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def due_text(view: ItemView, lang: str) -> str:
    return f"{view.due_on or '—'}{LABELS[lang]['provisional'] if view.due_provisional else ''}"


def moved_from(view: ItemView, lang: str) -> str:
    """The date an extension or a return moved the due date from ("原定期限 …"), else ""."""
    if view.original_due_on and view.original_due_on != view.due_on:
        return f"{LABELS[lang]['original_due']} {view.original_due_on}"
    return ""


def mail_mark(view: ItemView) -> str:
    return " [bold yellow]✉![/]" if view.mail_waiting or view.mail_failed else ""  # its mail is held up


def show_item(view: ItemView, lang: str, timezone: str) -> None:
    L = LABELS[lang]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim")
    table.add_column()
    due = due_text(view, lang)
    rows = [
        (L["code"], view.code), (L["state"], view.state_label), (L["unit"], f"{view.unit} ({view.unit_code})"),
        (L["manifestation"], f"{view.manifestation_id} {view.manifestation}"), (L["title"], escape(view.title)),
        (L["class"], view.deadline_class_label), (L["owner"], f"{view.owner or '—'} {view.owner_email or ''}"),
        (L["due"], due), (L["original_due"], str(view.original_due_on or "—")),
        (L["left"], left_text(view, lang)), (L["level"], level_text(view, lang)),
        (L["acknowledged"], view.acknowledged or (L["unsigned"] if view.owner else "—")),
        (L["recurrence"], view.recurrence_of or "—"),
        (L["extensions"], str(view.extensions) + (
            f" ({L['pending'].format(d=view.pending_extension_to)})" if view.pending_extension_to else "")),
        (L["run"], view.flow_run_id or L["no_run"].format(note=view.run_note or "—")),
    ]
    if view.parent:
        rows.insert(3, (L["parent"], view.parent))
    if view.mail_waiting or view.mail_failed:
        rows.append((L["mail"], f"[bold yellow]{L['mail_trouble'].format(w=view.mail_waiting, f=view.mail_failed)}[/]"))
    for k, v in rows:
        table.add_row(k, v)
    out.print(table)
    history = Table(title=L["events"], title_justify="left")
    for col in ("#", timezone, *HISTORY[lang]):
        history.add_column(col)
    for ev in view.events:
        data = ev["data"]
        note = event_note(ev["kind"], data, lang)
        action = action_label(ev["kind"], lang)
        at = local_time(ev["at"], timezone)
        history.add_row(str(ev["seq"]), at, action, escape(ev["actor"]), escape(str(note)))
    out.print(history)


WIDE = 120  # below this a table of eight columns squeezes every cell to "…": list instead


def show_ledger(views: list[ItemView], lang: str) -> None:
    if out.width < WIDE:
        show_ledger_narrow(views, lang)
        return
    L = LABELS[lang]
    table = Table()
    table.add_column(L["code"], no_wrap=True)
    table.add_column(L["state"], no_wrap=True)
    for col in ("unit", "title", "owner"):
        table.add_column(L[col])
    table.add_column(L["due"], no_wrap=True)
    for col in ("left", "level"):
        table.add_column(L[col])
    for v in views:
        due = due_text(v, lang) + (f"\n({moved})" if (moved := moved_from(v, lang)) else "")
        table.add_row(v.code + mail_mark(v), v.state_label, v.unit, escape(v.title), escape(v.owner or "—"), due,
                      left_text(v, lang), level_text(v, lang))
    out.print(table)


def show_ledger_narrow(views: list[ItemView], lang: str) -> None:
    """The ledger for an 80-column terminal: each item in three short lines, nothing cut."""
    L = LABELS[lang]
    sep = "，" if lang == "zh" else ", "
    for v in views:
        left = f" · {left_text(v, lang)}" if v.working_days_left is not None else ""
        level = f" · {level_text(v, lang)}" if v.escalation_level else ""
        out.print(f"[bold]{v.code}[/]{mail_mark(v)} {v.state_label}{left}{level}")
        due = f"{L['due']} {due_text(v, lang)}"
        if moved := moved_from(v, lang):
            due += f"（{moved}）" if lang == "zh" else f" ({moved})"
        out.print(f"  {escape(v.unit)}{sep}{L['owner']} {escape(v.owner or '—')}{sep}{due}")
        out.print(f"  {escape(v.title)}", overflow="fold")


def show_mail(rows: list[Any], codes: dict[int, str], lang: str, timezone: str) -> None:
    """`rectiflow mail list`: a table where it fits, else each mail in three short lines."""
    def to(r: Any) -> str:
        return r.recipient_email + (f" ({r.dedupe_key.rpartition('@')[2]})" if r.channel_id else "")  # a messenger

    def next_try(r: Any) -> str:
        return local_time(r.next_attempt_at, timezone) if r.status.value != "failed" else "—"

    status = {k: labels.label(labels.MAIL_STATUS, k, lang) for k in labels.MAIL_STATUS}
    if out.width < WIDE:
        for r in rows:
            out.print(f"[bold]#{r.id}[/] {codes.get(r.finding_id, '—')} {status[r.status.value]} · "
                      + said("mail_line", attempts=r.attempts, next=next_try(r)))
            out.print(f"  {escape(to(r))} · {r.template}", overflow="fold")
            if r.error:
                out.print(f"  {escape(r.error[:120])}", overflow="fold")
        return
    table = Table()
    table.add_column("id")
    table.add_column(said("col_item"), no_wrap=True)  # which item a waiting mail is about
    for col in ("col_status", "col_to", "col_template", "col_attempts", "col_next", "col_error"):
        table.add_column(said(col, zone=labels.zone_name(timezone, lang)))
    for r in rows:
        table.add_row(str(r.id), codes.get(r.finding_id, "—"), status[r.status.value], escape(to(r)), r.template,
                      str(r.attempts), next_try(r), escape(r.error[:120]))
    out.print(table)
