"""Deliver an item's pending mail from the outbox."""

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.settings import get_settings
from notifications.delivery import deliver
from tasks.ledger import ledger, now


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def deliver_mail(finding_id: int | None = None, at: str = "") -> dict[str, int]:
    """Send what is due (for one item, or all). Failures stay in the outbox for later.
    `at`: a sweep's simulated moment; mail it decided for a later moment is due then."""
    when = max(now(), datetime.fromisoformat(at)) if at else now()
    report = deliver(ledger(), settings=get_settings(), now=when, finding_id=finding_id)
    return {"sent": len(report.sent), "retry": len(report.retry), "failed": len(report.failed)}
