"""Deliveries sent by real Celery workers (Redis broker, the test's PostgreSQL database;
tests/celery_worker.py): a committed change wakes a worker, which delivers it; a worker
killed mid-batch, or down when the change commits, loses nothing: once its lease runs
out (or the wake-up is lost), the beat's sweep has another worker send every message,
with the same webhook-id (at least once: receivers deduplicate on it)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.db import transaction

from config.celery import app as celery_app
from tests.celery_worker import Worker, running_worker
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookDelivery, WebhookMessage
from webhooks.tasks import DRAIN, sweep

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 3
WORKER_ENV = {"WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS)}


@pytest.fixture
def send_to(monkeypatch):
    """`send_to(worker)`: tasks this process sends (the wake-ups) go to that worker."""
    # Connections an earlier test opened to the in-memory broker would carry the send.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)

    def point(worker: Worker) -> None:
        monkeypatch.setitem(celery_app.conf, "broker_url", worker.broker_url)
        monkeypatch.setitem(celery_app.conf, "task_default_queue", worker.queue)

    DRAIN.clear()
    return point


@pytest.fixture
def short_flag(monkeypatch) -> None:
    """The "a drain is pending" flag of a lost wake-up (a task a killed worker had taken)
    holds new wake-ups back 2 s instead of production's 30 s, after which the sweep
    starts a drain."""
    monkeypatch.setattr(DRAIN, "seconds", 2)


def kill(worker: Worker) -> None:
    """kill -9 the worker and its pool's processes (one process group)."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def wait_until_all_succeeded(
    worker: Worker, count: int, *, sweeping: bool = False, timeout: float = 60.0
) -> None:
    """Until `count` deliveries have succeeded; `sweeping`: running the beat's sweep
    every second meanwhile, as production does every WEBHOOK_SWEEP_SECONDS."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if WebhookDelivery.objects.filter(state="succeeded").count() == count:
            return
        if sweeping:
            sweep()
            time.sleep(1.0)
        time.sleep(0.2)
    states = list(WebhookDelivery.objects.values_list("state", "attempts", "last_error"))
    pytest.fail(f"not all delivered: {states}\n{worker.output()}")


def test_a_committed_change_is_delivered_by_the_worker(send_to, endpoint_for, change, receiver):
    endpoint_for(receiver)
    with running_worker() as worker:
        send_to(worker)

        change()  # commits; its wake-up is sent on commit

        (got,) = receiver.wait_for(1, timeout=60)
        wait_until_all_succeeded(worker, 1)
    assert got.verified, got.error
    assert got.webhook_id == WebhookMessage.objects.get().webhook_id


def test_a_worker_killed_mid_batch_loses_nothing(send_to, endpoint_for, change, short_flag):
    with Receiver(delay=2.0) as slow:
        endpoint_for(slow)
        with running_worker(env=WORKER_ENV) as first:
            send_to(first)
            with transaction.atomic():  # one commit, one wake-up, one batch of ten
                for i in range(10):
                    change(f"name {i}")
            deadline = time.monotonic() + 60
            while WebhookDelivery.objects.filter(leased_until__isnull=False).count() != 10:
                assert time.monotonic() < deadline, first.output()
                time.sleep(0.05)
            time.sleep(0.5)  # its requests are on their way; the receiver takes 2 s

            kill(first)
        slow.delay = 0
        assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"pending"}

        with running_worker(env=WORKER_ENV) as second:
            send_to(second)
            time.sleep(LEASE_SECONDS + 0.5)

            wait_until_all_succeeded(second, 10, sweeping=True)

    sent = {m.webhook_id for m in WebhookMessage.objects.all()}
    assert len(sent) == 10
    assert {got.webhook_id for got in slow.received} == sent
    assert all(got.verified for got in slow.received)


def test_a_change_committed_while_the_worker_is_down_is_delivered_once_one_is_back(
    send_to, endpoint_for, change, receiver, short_flag
):
    endpoint_for(receiver)
    with running_worker() as first:
        send_to(first)
        kill(first)

        change()  # its wake-up goes to a queue no one reads any more

    with running_worker() as second:
        send_to(second)

        wait_until_all_succeeded(second, 1, sweeping=True)
        (got,) = receiver.received
    assert got.webhook_id == WebhookMessage.objects.get().webhook_id
