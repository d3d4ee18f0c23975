"""The admin's list of inbound provider events: read-only, newest first, filters, and
"process again" for the failed ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from providers.models import ProviderEvent

pytestmark = pytest.mark.django_db
URL = reverse("admin:providers_providerevent_changelist")


def _event(event_id: str, status: str, **fields) -> ProviderEvent:
    return ProviderEvent.objects.create(
        provider=fields.pop("provider", "telnyx"),
        event_id=event_id,
        event_type=fields.pop("event_type", "message.finalized"),
        body="{}",
        status=status,
        **fields,
    )


def test_the_list_shows_events_filters_and_searches(admin_client):
    _event("evt-1", "failed", error="ValueError: boom")
    _event("evt-2", "processed", provider="twilio")
    page = admin_client.get(URL, {"provider": "telnyx", "status": "failed"})
    assert page.status_code == 200
    assert b"evt-1" in page.content and b"evt-2" not in page.content
    found = admin_client.get(URL, {"q": "evt-2"})
    assert b"evt-2" in found.content and b"evt-1" not in found.content


def test_events_are_read_only(admin_client):
    event = _event("evt-3", "processed")
    assert admin_client.get(reverse("admin:providers_providerevent_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:providers_providerevent_change", args=[event.pk]), {"status": "failed"}
    )
    assert change.status_code == 403
    event.refresh_from_db()
    assert event.status == "processed"


def test_process_again_puts_failed_events_back_and_leaves_the_others(admin_client):
    failed = _event("evt-4", "failed", error="boom")
    done = _event("evt-5", "processed")
    response = admin_client.post(
        URL,
        {"action": "process_again", "_selected_action": [failed.pk, done.pk]},
        follow=True,
    )
    assert response.status_code == 200
    failed.refresh_from_db()
    done.refresh_from_db()
    assert (failed.status, failed.error) == ("received", "")
    assert done.status == "processed"
