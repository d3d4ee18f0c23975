"""Figures read from the database when /metrics is scraped, not counted as they happen.

The outbound webhook queue: how many deliveries are due now and how long the oldest has
waited. A worker's counters cannot say it (a delivery waits in no process), and the
database's answer is the same whichever web process is scraped. One aggregate over the
partial index of pending deliveries by next attempt (webhook_delivery_due_idx).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

logger = logging.getLogger(__name__)


class DeliveryQueueCollector:
    """inventory_webhook_deliveries_due and inventory_webhook_delivery_oldest_due_seconds."""

    def collect(self) -> Iterator[Metric]:
        from webhooks.models import WebhookDelivery

        now = timezone.now()
        try:
            due = WebhookDelivery.objects.filter(
                state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now
            ).aggregate(count=Count("pk"), oldest=Min("next_attempt_at"))
        except DatabaseError as error:
            # The scrape still answers with every other metric; the gap shows the outage.
            logger.warning("Delivery queue not measured: %s", type(error).__name__)
            return
        yield GaugeMetricFamily(
            "inventory_webhook_deliveries_due",
            "Outbound webhook deliveries waiting to be sent now (pending, next attempt due).",
            value=due["count"],
        )
        oldest = due["oldest"]
        yield GaugeMetricFamily(
            "inventory_webhook_delivery_oldest_due_seconds",
            "How long the longest-waiting due delivery has been due (0: none is due).",
            value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        )


# Collectors every exposition of the web app adds to the process's (or processes') own.
SCRAPE_TIME_COLLECTORS = (DeliveryQueueCollector(),)
