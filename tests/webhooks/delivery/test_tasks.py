"""The Celery tasks, run in this process: the drain sends every due delivery batch after
batch and, finding a backlog, wakes another drain to help; the beat's sweep starts a
drain only when something is due."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks.models import WebhookDelivery
from webhooks.tasks import DRAIN, deliver, sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_drain_pending():
    DRAIN.clear()
    yield
    DRAIN.clear()


def test_the_drain_sends_every_due_delivery_batch_after_batch(
    settings, receiver, endpoint_for, change
):
    settings.WEBHOOK_DELIVERY_BATCH = 2
    endpoint_for(receiver)
    for i in range(5):
        change(f"name {i}")

    totals = deliver()

    assert totals == {"claimed": 5, "succeeded": 5, "failed": 0, "given_up": 0}
    assert len(receiver.received) == 5


def test_a_drain_that_finds_a_backlog_wakes_another_to_help(
    settings, receiver, endpoint_for, change
):
    settings.WEBHOOK_DELIVERY_BATCH = 2
    endpoint_for(receiver)
    for i in range(3):
        change(f"name {i}")
    DRAIN.raise_flag()  # the wake-up of those changes

    deliver()

    assert DRAIN.is_set()  # cleared when it started; raised again for a helper


def test_a_drain_that_finds_less_than_a_batch_wakes_no_one(receiver, endpoint_for, change):
    endpoint_for(receiver)
    change()
    DRAIN.raise_flag()

    deliver()

    assert not DRAIN.is_set()


def test_the_sweep_starts_a_drain_when_deliveries_are_due(receiver, endpoint_for, change):
    endpoint_for(receiver)
    change()

    sweep()

    assert DRAIN.is_set()


def test_the_sweep_starts_nothing_when_nothing_is_due(receiver, endpoint_for, change):
    endpoint_for(receiver)
    change()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))

    sweep()

    assert not DRAIN.is_set()
