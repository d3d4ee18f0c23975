"""Inbound provider webhooks' metrics: accepted, duplicates, refused signatures, and the
time from arrival to processing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from providers.models import ProviderEvent
from providers.webhooks.processing import event_process
from tests.metrics import value
from tests.providers.webhooks import payloads
from tests.providers.webhooks.signed import post_telnyx

pytestmark = pytest.mark.django_db

WEBHOOKS = "inventory_provider_webhooks_total"
LAG = "inventory_provider_webhook_processing_lag_seconds"


def counts(provider: str = "telnyx") -> dict[str, float]:
    results = ("accepted", "duplicate", "refused_signature", "unreadable")
    return {r: value(WEBHOOKS, provider=provider, result=r) for r in results}


def test_an_event_then_its_retry_count_as_accepted_then_duplicate(client, telnyx_key):
    document = payloads.portout_ported(["+12125550100"])
    before = counts()

    first = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
    retry = post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)

    assert (first.json(), retry.json()) == ({"status": "accepted"}, {"status": "duplicate"})
    after = counts()
    assert after["accepted"] == before["accepted"] + 1
    assert after["duplicate"] == before["duplicate"] + 1
    assert after["refused_signature"] == before["refused_signature"]


def test_a_tampered_event_counts_as_refused_by_signature(client, telnyx_key):
    body = json.dumps(payloads.portout_ported(["+12125550100"])).encode()
    before = counts()

    response = post_telnyx(
        client, "/webhooks/telnyx", body, telnyx_key, send_body=body.replace(b"ported", b"x")
    )

    assert response.status_code == 401
    after = counts()
    assert after["refused_signature"] == before["refused_signature"] + 1
    assert after["accepted"] == before["accepted"]


def test_a_signed_body_that_is_not_json_counts_as_unreadable(client, telnyx_key):
    before = counts()
    response = post_telnyx(client, "/webhooks/telnyx", b"not json", telnyx_key)
    assert response.status_code == 400
    assert counts()["unreadable"] == before["unreadable"] + 1


def test_processing_observes_the_time_since_the_event_arrived(client, telnyx_key):
    document = payloads.portout_ported(["+12125550100"])
    post_telnyx(client, "/webhooks/telnyx", document, telnyx_key)
    event = ProviderEvent.objects.get()
    # It arrived 90 s ago (a queue that waited): the lag lands between 60 and 120 s.
    ProviderEvent.objects.filter(pk=event.pk).update(
        received_at=event.received_at - timedelta(seconds=90)
    )
    before = {le: value(f"{LAG}_bucket", provider="telnyx", le=le) for le in ("60.0", "120.0")}
    count = value(f"{LAG}_count", provider="telnyx")

    event_process(event.pk)
    event_process(event.pk)  # done already: not observed again

    assert value(f"{LAG}_count", provider="telnyx") == count + 1
    assert value(f"{LAG}_bucket", provider="telnyx", le="60.0") == before["60.0"]
    assert value(f"{LAG}_bucket", provider="telnyx", le="120.0") == before["120.0"] + 1
