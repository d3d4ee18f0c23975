"""An endpoint that fails every attempt for long enough is disabled: an endpoint event
says so, its waiting deliveries are parked, its owner's other endpoints that want
webhook_endpoint.disabled hear of it; a success ends a run; enabling it again sends
what waited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.webhooks.receiver import Receiver
from webhooks.delivery import deliver_due
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEndpointEvent, WebhookMessage
from webhooks.services import endpoint_update

pytestmark = pytest.mark.django_db

UPDATED = ["phone_number.updated"]


@pytest.fixture
def disable_after_three(settings) -> None:
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    settings.WEBHOOK_DISABLE_AFTER_SECONDS = 0


@pytest.fixture
def failing() -> Receiver:
    with Receiver() as receiver:
        receiver.answers = [500] * 3
        yield receiver


def test_an_endpoint_failing_long_enough_is_disabled_its_deliveries_parked_and_its_owner_told(
    disable_after_three, no_waiting, failing, endpoint_for, change, other_business
):
    with Receiver() as listening, Receiver() as stranger:
        endpoint = endpoint_for(failing, event_types=UPDATED)
        told = endpoint_for(listening, event_types=["webhook_endpoint.disabled"])
        endpoint_for(stranger, business=other_business)
        change("first")
        deliver_due()
        deliver_due()
        change("second")  # waiting for a later retry when the endpoint is disabled
        later = WebhookDelivery.objects.filter(message__body__contains='"second"')
        later.update(next_attempt_at=timezone.now() + timedelta(hours=1))

        run = deliver_due()

        assert run.disabled_endpoints == [endpoint.pk]
        endpoint.refresh_from_db()
        assert not endpoint.enabled
        assert endpoint.disabled_at is not None
        assert endpoint.disabled_reason.startswith("Disabled after 3 failed attempts in a row")
        event = WebhookEndpointEvent.objects.get(type="disabled")
        assert (event.endpoint_id, event.business_id) == (endpoint.pk, endpoint.business_id)
        mine = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert list(mine.values_list("state", "next_attempt_at")) == [("pending", None)] * 2

        deliver_due()

        (got,) = listening.received
        assert got.verified, got.error
        assert got.payload["type"] == "webhook_endpoint.disabled"
        assert got.payload["data"]["id"] == str(endpoint.pk)
        assert got.payload["data"]["enabled"] is False
        assert WebhookDelivery.objects.get(endpoint=told).state == "succeeded"
        assert stranger.received == []
        assert len(failing.received) == 3


def test_enabling_a_disabled_endpoint_sends_what_waited(
    disable_after_three, no_waiting, failing, endpoint_for, change, member
):
    endpoint = endpoint_for(failing, event_types=UPDATED)
    failing.answers = [500] * 4
    change("first")
    change("second")
    deliver_due()
    deliver_due()
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert deliver_due().claimed == 0  # parked: nothing is tried while disabled
    failing.answers = []  # the receiver is fixed

    endpoint_update(endpoint=endpoint, acting_user=member, enabled=True)
    run = deliver_due()

    assert run.succeeded == 2
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.failure_streak, endpoint.failing_since) == (True, 0, None)
    assert endpoint.disabled_at is None
    assert {got.webhook_id for got in failing.received[-2:]} == {
        m.webhook_id for m in WebhookMessage.objects.all()
    }


def test_a_success_in_between_resets_the_run_of_failures(
    disable_after_three, receiver, endpoint_for, change
):
    endpoint = endpoint_for(receiver, event_types=UPDATED)
    receiver.answers = [500, 500, 200, 500, 500]
    streaks = []
    for step in range(5):
        change(f"step {step}")  # a new message, the only one due (failed ones wait 5 s)
        assert deliver_due().claimed == 1
        endpoint.refresh_from_db()
        streaks.append(endpoint.failure_streak)

    assert streaks == [1, 2, 0, 1, 2]
    assert endpoint.enabled
    assert not WebhookEndpointEvent.objects.filter(type="disabled").exists()


def test_a_success_clears_when_the_run_started(disable_after_three, receiver, endpoint_for, change):
    endpoint = endpoint_for(receiver, event_types=UPDATED)
    receiver.answers = [500, 200]
    change("one")
    deliver_due()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    change("two")
    deliver_due()

    endpoint.refresh_from_db()
    assert (endpoint.failure_streak, endpoint.failing_since) == (0, None)


def test_enough_failures_in_less_than_the_time_do_not_disable(
    settings, no_waiting, failing, endpoint_for, change
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3  # the time: three days, by default
    endpoint = endpoint_for(failing, event_types=UPDATED)
    change()
    for _ in range(3):
        deliver_due()

    endpoint.refresh_from_db()
    assert endpoint.enabled
    assert endpoint.failure_streak == 3


def test_failures_of_one_pass_count_towards_the_run(
    disable_after_three, failing, endpoint_for, change
):
    endpoint = endpoint_for(failing, event_types=UPDATED)
    for i in range(3):
        change(f"name {i}")

    run = deliver_due()

    assert (run.failed, run.disabled_endpoints) == (3, [endpoint.pk])


def test_a_due_delivery_of_a_disabled_endpoint_is_parked_not_sent(
    receiver, endpoint_for, change, member
):
    endpoint = endpoint_for(receiver, event_types=UPDATED)
    change()
    endpoint_update(endpoint=endpoint, acting_user=member, enabled=False)
    # Another worker, which had it leased, recorded a retry time after it was parked.
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())

    run = deliver_due()

    assert (run.claimed, run.succeeded, run.failed) == (1, 0, 0)
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("pending", 0, None)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failure_streak == 0
