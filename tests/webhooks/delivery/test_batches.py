"""A pass claims due deliveries under a lease, sends them at once, and records every
answer in a few statements, whatever the batch's size; a lease that runs out (its
worker died) makes them due again; an endpoint deleted mid-batch fails nothing else."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
import structlog
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.logs import production_json_formatter
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


class _FormattedAtEmit(logging.Handler):
    """Lines as production writes them: formatted in the thread that logs, where the log
    context is read."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(production_json_formatter())
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append({"thread": record.threadName, **json.loads(self.format(record))})


def test_a_deliverys_log_lines_carry_the_log_context_of_the_task_that_sent_it(
    receiver, endpoint_for, change
):
    endpoint = endpoint_for(receiver)
    # A URL that no longer parses (changed behind the API's back) fails the send
    # unexpectedly: the one line a sending thread writes.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url="http://[::1/hooks")
    change()
    handler = _FormattedAtEmit()
    logger = logging.getLogger("webhooks.delivery")
    logger.addHandler(handler)
    structlog.contextvars.bind_contextvars(task_id="task-7", request_id="trace-9")
    try:
        deliver_due()
    finally:
        structlog.contextvars.unbind_contextvars("task_id", "request_id")
        logger.removeHandler(handler)

    (line,) = [line for line in handler.lines if "failed unexpectedly" in line["event"]]
    # Written by a pool thread, yet in the task's context (copied for each delivery).
    assert line["thread"].startswith("webhook-send")
    assert (line["task_id"], line["request_id"]) == ("task-7", "trace-9")
