"""Outbound deliveries' metrics: attempts by result, their latency, deliveries given up,
and the queue of due deliveries as a scrape reads it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.metrics import sample, samples, value
from tests.webhooks.delivery.conftest import closed_port
from webhooks.delivery import deliver_due
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ATTEMPTS = "inventory_webhook_delivery_attempts_total"
LATENCY = "inventory_webhook_delivery_latency_seconds_count"
GIVEN_UP = "inventory_webhook_deliveries_given_up_total"


def figures() -> dict[str, float]:
    return {
        "success": value(ATTEMPTS, result="success"),
        "failure": value(ATTEMPTS, result="failure"),
        "success_latency": value(LATENCY, result="success"),
        "failure_latency": value(LATENCY, result="failure"),
        "given_up": value(GIVEN_UP),
    }


def test_a_failed_attempt_then_a_success_are_counted_with_their_latencies(
    receiver, endpoint_for, change, no_waiting
):
    endpoint_for(receiver)
    receiver.answers = [500, 200]
    change()
    before = figures()

    deliver_due()
    deliver_due()

    after = figures()
    assert after["failure"] == before["failure"] + 1
    assert after["success"] == before["success"] + 1
    assert after["failure_latency"] == before["failure_latency"] + 1
    assert after["success_latency"] == before["success_latency"] + 1
    assert after["given_up"] == before["given_up"]


def test_the_last_failed_attempt_counts_the_delivery_as_given_up(
    settings, receiver, endpoint_for, change
):
    settings.WEBHOOK_RETRY_DELAYS = [0]  # two attempts in all
    endpoint = endpoint_for(receiver)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        url=f"http://127.0.0.1:{closed_port()}/hooks"
    )
    change()
    before = figures()

    deliver_due()
    deliver_due()

    assert WebhookDelivery.objects.get().state == "failed"
    after = figures()
    assert after["failure"] == before["failure"] + 2
    assert after["given_up"] == before["given_up"] + 1


def test_a_scrape_reads_how_many_deliveries_are_due_and_how_long_the_oldest_waited(
    receiver, endpoint_for, change
):
    endpoint_for(receiver)
    endpoint_for(receiver)
    change()  # one message, two deliveries
    later = endpoint_for(receiver)
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=300))
    change("Reception")  # three more, due now
    WebhookDelivery.objects.filter(endpoint=later).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)  # a retry not due yet
    )

    parsed = samples(Client().get("/metrics").content.decode())

    assert sample(parsed, "inventory_webhook_deliveries_due") == 4
    oldest = sample(parsed, "inventory_webhook_delivery_oldest_due_seconds")
    assert 299 <= oldest < 330


def test_with_nothing_due_the_queue_reads_zero(receiver, endpoint_for, change):
    endpoint_for(receiver)
    change()
    deliver_due()  # sent: nothing waits

    parsed = samples(Client().get("/metrics").content.decode())

    assert sample(parsed, "inventory_webhook_deliveries_due") == 0
    assert sample(parsed, "inventory_webhook_delivery_oldest_due_seconds") == 0
