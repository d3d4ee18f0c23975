"""A posted webhook processed by a real Celery worker (Redis broker, the test's
PostgreSQL database; tests/celery_worker.py): the view sends the drain through the
broker once the event is committed, the worker processes it."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from phonenumbers_app.vocabularies import PhoneNumberStatus
from providers.models import ProviderEvent
from providers.webhooks.tasks import DRAIN_PENDING
from tests.factories import PhoneNumberFactory
from tests.providers.webhooks import payloads
from tests.providers.webhooks.signed import post_telnyx
from warmup.models import MessageOutcome

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_posted_event_is_processed_by_the_worker(celery_worker, client, telnyx_key, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_url", celery_worker.broker_url)
    monkeypatch.setitem(celery_app.conf, "task_default_queue", celery_worker.queue)
    # Connections an earlier test opened to the in-memory broker would carry the send.
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
    cache.delete(DRAIN_PENDING)
    number = PhoneNumberFactory(
        assigned=True, provider="telnyx", status=PhoneNumberStatus.ACTIVE, number="+12125550160"
    )
    document = payloads.message_finalized("msg-w", number.number, "+13125550111", "delivered")

    assert post_telnyx(client, "/webhooks/telnyx", document, telnyx_key).status_code == 200

    event = ProviderEvent.objects.get()
    deadline = time.monotonic() + 60
    while event.status == "received" and time.monotonic() < deadline:
        time.sleep(0.2)
        event.refresh_from_db()
    assert event.status == "processed", celery_worker.output()
    assert MessageOutcome.objects.get().outcome == "delivered"
