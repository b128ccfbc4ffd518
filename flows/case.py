"""`rectification-case`: one run per item, the re-entrant driver of its lifecycle.

Each pass reads the item from the ledger and does what its state calls for; then it
sleeps (suspended, no process held) until a command wakes it. A resumed run starts again
from the top, so every step here is idempotent and the suspend key is fresh each pass.
"""

from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.flow_runs import suspend_flow_run

from models.items.finding import State
from tasks.ledger import assign_owner, load_case, settle
from tasks.mail import deliver_mail
from tasks.publish import publish_case


@flow(name="rectification-case", flow_run_name="{code} {unit}", persist_result=False)
async def rectification_case(code: str, unit: str = "") -> str:
    log = get_run_logger()
    case = load_case(code)
    while True:
        if case.state is State.filed:
            assign_owner(code)
            case = load_case(code)
        deliver_mail(case.id)
        publish_case(case)
        # A command that landed during this pass would find us Running, not asleep:
        # record what we acted on, or go round again if the item moved meanwhile.
        if settle(code, case.version):
            break
        case = load_case(code)
    if not case.state.is_open:
        log.info("%s is %s: case finished", code, case.state.value)
        return case.state.value
    log.info("%s is %s (owner %s, due %s): waiting", code, case.state.value, case.view.owner, case.view.due_on)
    await suspend_flow_run(key=uuid4().hex, timeout=None)
    return case.state.value  # not reached: the process exits at the suspend
