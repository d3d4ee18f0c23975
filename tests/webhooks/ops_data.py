"""Test data for the webhooks' /ops pages and admin: endpoints made by the services,
deliveries in bulk (the outbox's rows, written directly for volume), and a snapshot of
every webhook table for the tests of refused input."""

from __future__ import annotations

import datetime
import json

from django.utils import timezone

from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
    WebhookMessage,
)
from webhooks.outbox import body_text

RECEIVER = "https://hooks.example.com/inventory"


def deliveries_for(
    endpoint: WebhookEndpoint,
    count: int,
    *,
    state: str = WebhookDelivery.State.SUCCEEDED,
    event_type: str = "phone_number.updated",
    start: datetime.datetime | None = None,
    step: datetime.timedelta = datetime.timedelta(seconds=1),
) -> list[WebhookDelivery]:
    """`count` deliveries to `endpoint`, one message each, a `step` apart (oldest first)."""
    start = start or timezone.now() - count * step
    messages, deliveries = [], []
    for index in range(count):
        at = start + index * step
        message = WebhookMessage(
            event_type=event_type,
            business_id=endpoint.business_id,
            body=body_text(event_type, at, {"id": f"number-{index}", "index": index}),
            created_at=at,
        )
        messages.append(message)
        settled = state != WebhookDelivery.State.PENDING
        deliveries.append(
            WebhookDelivery(
                message=message,
                endpoint=endpoint,
                state=state,
                attempts=1 if settled else 0,
                next_attempt_at=None if settled else at,
                last_attempt_at=at if settled else None,
                last_status_code=200 if state == WebhookDelivery.State.SUCCEEDED else None,
                last_latency_ms=42 if settled else None,
                last_error="ConnectError: refused" if state == WebhookDelivery.State.FAILED else "",
                succeeded_at=at if state == WebhookDelivery.State.SUCCEEDED else None,
                created_at=at,
            )
        )
    WebhookMessage.objects.bulk_create(messages, batch_size=2000)
    return WebhookDelivery.objects.bulk_create(deliveries, batch_size=2000)


def webhook_tables() -> dict[str, list[dict]]:
    """Every webhook row, to compare before and after a refused request."""
    return {
        "endpoints": list(WebhookEndpoint.objects.order_by("pk").values()),
        "events": list(WebhookEndpointEvent.objects.order_by("pk").values()),
        "messages": list(WebhookMessage.objects.order_by("pk").values()),
        "deliveries": list(WebhookDelivery.objects.order_by("pk").values()),
        "attempts": list(WebhookAttempt.objects.order_by("pk").values()),
    }


def payload_of(delivery: WebhookDelivery) -> dict:
    return json.loads(delivery.message.body)
