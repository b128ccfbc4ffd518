"""`rectification-case`: one run per item, the re-entrant driver of its lifecycle.

Each pass reads the item from the ledger and does what its state calls for; then it
sleeps (suspended, no process held) until a command wakes it. A resumed run starts again
from the top, so every step here is idempotent and the suspend key is fresh each pass.
"""

import logging
from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.flow_runs import asuspend_flow_run

from services.case_pass import Case
from tasks.ledger import open_case, settle
from tasks.mail import deliver_mail
from tasks.overview import publish_overview
from tasks.publish import mirror_case_events, name_case_run, write_case_artifact


class SuspendIsNotAnError(logging.Filter):
    """Prefect's async engine logs every end that is not Completed at ERROR, so each pass of
    every open item said "Finished in state Suspended" as an error: a supervisor filtering on
    errors saw only false alarms. A suspend is how a case waits; log it as information."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and record.getMessage().startswith("Finished in state Suspended"):
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


logging.getLogger("prefect.flow_runs").addFilter(SuspendIsNotAnError())


def show_case(case: Case) -> None:
    """The item as the Prefect UI shows it: the run's name and tags, then (when they changed,
    or the item has no run) the bureau's overview, the item's artifact, its new events."""
    # Every command wakes a case run, so the bureau's picture stays current; a pass that moved
    # nothing (a stray resume) leaves it be.
    if name_case_run(case) or not case.view.flow_run_id:
        publish_overview()
    write_case_artifact(case)
    mirror_case_events(case)


# No flow_run_name template: the engine would re-apply it at every pass, and the run's name
# carries the item's stage and colour (tasks.publish.run_name), set when the pass publishes.
@flow(name="rectification-case", persist_result=False)
async def rectification_case(code: str, unit: str = "") -> str:
    log = get_run_logger()
    case = open_case(code)  # a filed item is assigned first
    while True:
        deliver_mail(case.id)
        show_case(case)
        # A command that landed during this pass would find us Running, not asleep:
        # record what we acted on, or go round again if the item moved meanwhile.
        if settle(code, case.version):
            break
        case = open_case(code)
    if not case.state.is_open:
        log.info("%s is %s: case finished", code, case.state.value)
        return case.state.value
    log.info("%s is %s (owner %s, due %s): waiting", code, case.state.value, case.view.owner, case.view.due_on)
    await asuspend_flow_run(key=uuid4().hex, timeout=None)
    return case.state.value  # not reached: the process exits at the suspend
