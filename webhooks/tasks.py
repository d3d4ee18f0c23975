"""Celery tasks of the outbound webhooks: the drain that sends due deliveries, and the
beat's sweep that starts one should a wake-up be lost (a broker outage, a worker killed
between a commit and its task)."""

from __future__ import annotations

import logging
import time

from celery import shared_task
from django.conf import settings

from core.tasks import RETRY_ON_DATABASE_ERRORS
from core.wakeups import Wakeup

logger = logging.getLogger(__name__)

DRAIN = Wakeup("outbound-webhooks:drain-pending", seconds=30)
# A drain hands over to a new task after this long, so one busy drain never holds a
# worker process for good and a deploy's warm shutdown is not kept waiting.
DRAIN_SECONDS = 50


@shared_task(name="webhooks.deliver", **RETRY_ON_DATABASE_ERRORS)
def deliver() -> dict[str, int]:
    """Send every due delivery, batch after batch; returns the counts."""
    from webhooks.delivery import deliver_due

    DRAIN.clear()
    totals = {"claimed": 0, "succeeded": 0, "failed": 0, "given_up": 0}
    started = time.monotonic()
    helped = False
    while True:
        run = deliver_due()
        for key in totals:
            totals[key] += getattr(run, key)
        if run.claimed < settings.WEBHOOK_DELIVERY_BATCH:
            return totals
        if not helped:
            # A backlog (a full batch): wake another drain, which takes other rows (SKIP
            # LOCKED) on another worker process and, finding a full batch too, wakes
            # another, up to the worker pool's size. A burst then spreads over the pool.
            wake()
            helped = True
        if time.monotonic() - started > DRAIN_SECONDS:
            wake()
            return totals


@shared_task(name="webhooks.sweep")
def sweep() -> None:
    """Start a drain if deliveries are due (the beat, every few seconds)."""
    from django.utils import timezone

    from webhooks.models import WebhookDelivery

    due = WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.PENDING, next_attempt_at__lte=timezone.now()
    ).exists()
    if due:
        wake()


def wake() -> None:
    """Have a worker send what is due: one drain per burst (core/wakeups.py)."""
    DRAIN.request(lambda: deliver.apply_async(ignore_result=True), what="webhook deliveries")


@shared_task(name="webhooks.purge", **RETRY_ON_DATABASE_ERRORS)
def purge() -> int:
    """Forget settled messages past WEBHOOK_RETENTION_DAYS (the beat, hourly)."""
    from django.utils import timezone

    from webhooks.retention import messages_purge

    return messages_purge(now=timezone.now())
