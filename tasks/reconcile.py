"""The reconcile flow's steps, one effect each: start the runs items lack, replace the runs
that ended or died under open items, wake the runs behind their items, report what was
fixed, and tidy the idle reconciles before this one."""

from dataclasses import dataclass, field
from datetime import timedelta

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterId,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import StateType
from prefect.runtime import flow_run

from notifications.delivery import DeliveryReport
from services.case_runs import Wake, drifted_items, repair_case_runs, start_missing_case_runs, wake_case_run

IDLE = "idle"

# Prefect's own calls: retried on a lost connection; every step reads afresh, so a retry
# repeats nothing that was done.
prefect_task = task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)


@dataclass(frozen=True)
class ReconcileReport:
    """What a reconcile found and did: item codes by outcome (started, replaced, stuck,
    missing, and how each woken run answered), and how the mail due went."""

    outcomes: dict[str, list[str]]
    mail: DeliveryReport
    tidied: int = 0  # idle reconciles removed from the runs list
    fixed: dict[str, list[str]] = field(init=False)  # what needed putting right

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", {k: v for k, v in self.outcomes.items()
                                           if v and k not in (Wake.pending, Wake.busy)})

    @property
    def acted(self) -> bool:
        return bool(self.fixed or self.mail.sent or self.mail.failed)

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.outcomes.items()}

    def summary(self) -> dict[str, object]:
        """As the CLI prints it: counts by outcome, mail, what was fixed, idle runs tidied."""
        mail = {"sent": len(self.mail.sent), "retry": len(self.mail.retry), "failed": len(self.mail.failed)}
        return {**self.counts(), "mail": mail, "fixed": self.fixed, "tidied": self.tidied}


@prefect_task
async def start_missing_runs() -> list[str]:
    """A case run for every open item that has none (filed while Prefect was down)."""
    return await start_missing_case_runs()


@prefect_task
async def repair_runs(stuck_seconds: int) -> dict[str, list[str]]:
    """Replace the runs that ended under open items, and the ones stuck with no process."""
    return await repair_case_runs(stuck_after=timedelta(seconds=stuck_seconds))


@prefect_task
async def wake_drifted_runs() -> dict[str, list[str]]:
    """Wake every run whose item changed since it went idle; codes by how each answered."""
    woken: dict[str, list[str]] = {}
    for ref in drifted_items():
        outcome = await wake_case_run(ref, settle_seconds=0)
        woken.setdefault(outcome.value, []).append(ref.code)
    return woken


@prefect_task
def write_reconcile_report(report: ReconcileReport) -> None:
    """The `reconcile-report` markdown artifact: what this run put right."""
    lines = ["# 对账 Reconcile", ""] + [f"- **{k}**: {', '.join(v)}" for k, v in report.fixed.items()]
    lines.append(f"- mail: sent {len(report.mail.sent)}, to retry {len(report.mail.retry)}, "
                 f"failed {len(report.mail.failed)}")
    create_markdown_artifact(key="reconcile-report", markdown="\n".join(lines) + "\n",
                             description="what reconcile repaired")


@prefect_task
async def tidy_idle_reconciles() -> int:
    """Tag this run idle and delete the earlier idle reconciles (finished), so the runs list
    keeps the ones that did something. Returns how many went."""
    me = flow_run.id
    async with get_client() as client:
        run = await client.read_flow_run(me)
        if IDLE not in run.tags:
            await client.update_flow_run(me, tags=[*run.tags, IDLE])
        earlier = await client.read_flow_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(not_any_=[me]), tags=FlowRunFilterTags(all_=[IDLE]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))),
            flow_filter=FlowFilter(id=FlowFilterId(any_=[run.flow_id])), limit=200)
        for old in earlier:
            await client.delete_flow_run(old.id)
        return len(earlier)
