"""Show the item in the Prefect UI, one effect per task: the run's name and tags, the item's
markdown artifact, its events in Prefect's event feed."""

from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.events import emit_event

from messages.labels import slip
from models.deadlines.calendar import local_time
from models.items.lifecycle import action_label, event_note
from models.ledger.views import ItemView
from services import context as ctx
from services.case_pass import Case, NewEvent, mirror_new_events
from services.run_labels import MANAGED_TAGS, run_name, run_tags


def _md(text: Any) -> str:
    # Table cells hold user text: keep it on one line and out of the markup.
    return str(text if text is not None else "—").replace("|", "\\|").replace("\n", " ")


def case_markdown(view: ItemView, *, timezone: str, portal_url: str) -> str:
    left = view.working_days_left
    if left is None:
        remaining = "—"
    elif left < 0:
        remaining = f"逾期 {-left} 个工作日"
    else:
        remaining = f"剩余 {left} 个工作日"
    colour = slip(view.colour) or "—"
    rows = [
        ("状态 State", view.state_label), ("单位 Unit", view.unit),
        ("问题 Problem", view.title),
        ("具体表现 Manifestation", f"{view.manifestation_id} {view.manifestation}"),
        ("整改类别 Class", view.deadline_class_label), ("责任人 Owner", view.owner),
        ("整改期限 Due", f"{view.due_on or '—'}{'（暂定）' if view.due_provisional else ''}"),
        ("剩余 Left", remaining), ("督办 Level", f"{view.escalation_level} {colour}"),
    ]
    page = f"{portal_url.rstrip('/')}/items/{view.code}"
    lines = [f"# {view.code} {_md(view.title)}", "", f"[在门户中打开 Open in the portal]({page})", "",
             "| | |", "|---|---|"]
    lines += [f"| {k} | {_md(v)} |" for k, v in rows]
    lines += ["", "## 记录 History", "", f"| # | 时间 At ({timezone}) | 操作 Action | 人员 Actor | 说明 Note |",
              "|---|---|---|---|---|"]
    for ev in view.events:
        data = ev["data"]
        note = event_note(ev["kind"], data, "zh")
        zh, en = action_label(ev["kind"], "zh"), action_label(ev["kind"], "en")
        action = zh if zh == en else f"{zh} {en}"  # system events keep one name
        at = local_time(ev["at"], timezone)
        lines.append(f"| {ev['seq']} | {at} | {action} | {_md(ev['actor'])} | {_md(note)} |")
    return "\n".join(lines) + "\n"


def sync_run(flow_run_id: str | None, *, name: str, wanted: list[str]) -> bool:
    """Give the run its name and stage/colour tags; one read, and a write only on a change."""
    if not flow_run_id:
        return False
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        tags = [t for t in run.tags if t not in MANAGED_TAGS] + wanted
        if sorted(tags) == sorted(run.tags) and run.name == name:
            return False
        client.update_flow_run(UUID(flow_run_id), name=name, tags=tags)
        return True


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def name_case_run(case: Case) -> bool:
    """The run's name and its stage and colour tags, as the item stands. Returns whether they
    changed (the bureau's overview is then out of date too)."""
    view = case.view
    return sync_run(view.flow_run_id, name=run_name(view), wanted=run_tags(view))


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_case_artifact(case: Case) -> None:
    """The `case-<code>` markdown artifact: the item's state, owner, due date, colour, history."""
    view, settings = case.view, ctx.settings()
    create_markdown_artifact(
        key=f"case-{view.code.lower()}",
        markdown=case_markdown(view, timezone=settings.timezone, portal_url=settings.portal_url),
        description=f"整改事项 {view.code} · {view.unit}",
    )


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def mirror_case_events(case: Case) -> int:
    """The item's ledger events not yet in Prefect's event feed, emitted oldest first."""
    view = case.view

    def emit(ev: NewEvent) -> None:
        emit_event(
            event=f"rectiflow.item.{ev.kind}",
            resource={"prefect.resource.id": f"rectiflow.item.{view.code}",
                      "prefect.resource.name": view.code, "rectiflow.unit": view.unit_code},
            payload={"seq": ev.seq, "actor": ev.actor, "at": ev.at.isoformat(), **ev.data},
        )

    return mirror_new_events(case.id, emit)
