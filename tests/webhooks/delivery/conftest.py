"""Helpers of the delivery tests: an endpoint of `business` pointing at a receiver that
knows its secret, a change that queues a message to it, and retries made due now."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services import phone_number_update
from tests.factories import PhoneNumberFactory
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import endpoint_create


@pytest.fixture
def endpoint_for(business, member) -> Callable[..., WebhookEndpoint]:
    """`endpoint_for(receiver, **options)`: a new endpoint of `business` (or of
    `options["business"]`) whose receiver verifies with its secret."""

    def make(receiver: Receiver, **options) -> WebhookEndpoint:
        options.setdefault("business", business)
        endpoint, secret = endpoint_create(acting_user=member, url=receiver.url, **options)
        receiver.secrets.append(secret)
        return endpoint

    return make


@pytest.fixture
def number(business) -> PhoneNumber:
    return PhoneNumberFactory(business=business)


@pytest.fixture
def change(member, number) -> Callable[[str], None]:
    """`change("name")`: a committed update of `number` (one phone_number.updated)."""

    def update(name: str = "Front desk") -> None:
        phone_number_update(phone_number=number, acting_user=member, fields={"name": name})

    return update


@pytest.fixture
def no_waiting(settings) -> None:
    """Retries come due at once (a failed delivery is tried again by the next pass)."""
    settings.WEBHOOK_RETRY_DELAYS = [0] * 11


def all_due_now() -> int:
    """Make every pending delivery due (as if its retry delay had passed)."""
    return WebhookDelivery.objects.filter(state="pending", next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now()
    )


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
