"""Deliver pending mail from the outbox."""

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from notifications.delivery import DeliveryReport
from services.mail import deliver_due


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def deliver_mail(finding_id: int | None = None, at: datetime | None = None) -> DeliveryReport:
    """Send what is due (for one item, or all). Failures stay in the outbox for later.
    `at`: a sweep's simulated moment; mail it decided for a later moment is due then."""
    return deliver_due(finding_id, at=at)
