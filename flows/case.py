"""`rectification-case`: one run per item, the re-entrant driver of its lifecycle.

Each pass reads the item from the ledger and does what its state calls for; then it
sleeps (suspended, no process held) until a command wakes it. A resumed run starts again
from the top, so every step here is idempotent and the suspend key is fresh each pass.
"""

from uuid import uuid4

from prefect import flow, get_run_logger
from prefect.flow_runs import suspend_flow_run

from tasks.ledger import assign_owner, load_case, settle
from tasks.mail import deliver_mail
from tasks.publish import publish_case

OPEN = {"filed", "assigned", "submitted"}


@flow(name="rectification-case", flow_run_name="{code} {unit}", persist_result=False)
async def rectification_case(code: str, unit: str = "") -> str:
    log = get_run_logger()
    item = load_case(code)
    while True:
        if item["state"] == "filed":
            assign_owner(code)
            item = load_case(code)
        deliver_mail(item["id"])
        publish_case(item)
        # A command that landed during this pass would find us Running, not asleep:
        # record what we acted on, or go round again if the item moved meanwhile.
        if settle(code, item["version"]):
            break
        item = load_case(code)
    if item["state"] not in OPEN:
        log.info("%s is %s: case finished", code, item["state"])
        return item["state"]
    log.info("%s is %s (owner %s, due %s): waiting", code, item["state"], item["owner"], item["due_on"])
    await suspend_flow_run(key=uuid4().hex, timeout=None)
    return item["state"]  # not reached: the process exits at the suspend
