"""A pass claims due deliveries under a lease, sends them at once, and records every
answer in a few statements, whatever the batch's size; a lease that runs out (its
worker died) makes them due again; an endpoint deleted mid-batch fails nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.webhooks.delivery.conftest import all_due_now
from tests.webhooks.receiver import Receiver
from webhooks.delivery import Run, claim_due, claimed, deliver_due, record, send_all
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookMessage
from webhooks.services import endpoint_delete

pytestmark = pytest.mark.django_db


def test_a_claimed_delivery_is_leased_and_not_claimed_twice(
    settings, receiver, endpoint_for, change
):
    settings.WEBHOOK_LEASE_SECONDS = 30
    endpoint_for(receiver)
    change()

    (claimed_id,) = claim_due(10)

    delivery = WebhookDelivery.objects.get()
    assert delivery.pk == claimed_id
    lease = (delivery.leased_until - timezone.now()).total_seconds()
    assert 25 < lease <= 30
    assert delivery.next_attempt_at == delivery.leased_until
    assert claim_due(10) == []


def test_when_a_dead_workers_lease_runs_out_another_pass_sends_it_with_the_same_id(
    receiver, endpoint_for, change
):
    endpoint_for(receiver)
    change()
    claim_due(10)  # ... and the worker that claimed it dies before sending
    assert deliver_due().claimed == 0
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    run = deliver_due()

    assert run.succeeded == 1
    (got,) = receiver.received
    assert got.webhook_id == WebhookMessage.objects.get().webhook_id
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.leased_until) == ("succeeded", None)


def test_an_endpoint_deleted_while_its_batch_was_sent_fails_nothing_else(
    endpoint_for, change, member
):
    with Receiver() as first, Receiver() as second:
        gone = endpoint_for(first)
        kept = endpoint_for(second)
        change()
        ids = claim_due(10)
        outcomes = send_all(claimed(ids))
        endpoint_delete(endpoint=gone, acting_user=member)  # while the batch was in flight

        run = Run(claimed=len(ids))
        record(outcomes, run)

    connection.check_constraints()  # no attempt points at a deleted delivery
    assert run.succeeded == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint_id, delivery.state) == (kept.pk, "succeeded")
    assert WebhookAttempt.objects.get().delivery_id == delivery.pk
    assert WebhookEndpoint.objects.get() == kept


@pytest.mark.parametrize("answer", [200, 500])
def test_a_pass_costs_the_same_queries_for_4_or_16_deliveries(
    settings, endpoint_for, change, answer
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 10_000
    with Receiver() as first, Receiver() as second:
        endpoint_for(first)
        endpoint_for(second)
        first.answers, second.answers = [answer] * 20, [answer] * 20
        counts = []
        for changes in (2, 8):  # fan-out to two endpoints: 4, then 16 deliveries
            for i in range(changes):
                change(f"name {changes} {i}")
            with CaptureQueriesContext(connection) as queries:
                run = deliver_due()
            assert run.claimed == 2 * changes
            counts.append(len(queries))
            all_due_now()
            WebhookDelivery.objects.update(state="succeeded")

    # Claim (4 with its savepoint), load (1), record (6, and one update per failing
    # endpoint): none per delivery.
    assert counts[0] == counts[1]
    assert counts[0] <= (11 if answer == 200 else 13), counts
