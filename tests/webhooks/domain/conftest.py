"""Helpers of the domain tests of the outbound webhooks: endpoints with their own live
receivers, and what each received once the outbox was delivered.

Every test goes through the real doors (services, the API, imports, the warmup engine,
the providers' sync), the real outbox and the real delivery (webhooks.delivery.deliver_due)
to a real HTTP server that verifies each signature with the standardwebhooks library.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command

from businesses.models import Business
from tests.conftest import client_for
from tests.factories import BusinessFactory, MembershipFactory, UserFactory
from tests.webhooks.receiver import Receiver
from webhooks.delivery import deliver_due
from webhooks.models import WebhookEndpoint
from webhooks.services import endpoint_create


@dataclass
class Listener:
    """One endpoint and the receiver behind it."""

    endpoint: WebhookEndpoint
    receiver: Receiver

    def payloads(self) -> list[dict]:
        for got in self.receiver.received:
            assert got.verified, got.error
        return [got.payload for got in self.receiver.received]

    def types(self) -> list[str]:
        """The types received, sorted: deliveries are sent concurrently, in no order."""
        return sorted(p["type"] for p in self.payloads())

    def raw(self) -> str:
        return "\n".join(got.body.decode() for got in self.receiver.received)

    def clear(self) -> None:
        self.receiver.received.clear()


@dataclass
class Tenant:
    business: Business
    user: object
    client: object


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", first_name="Stella", last_name="Staffer", is_staff=True)


@pytest.fixture
def staff_api(staff):
    return client_for(staff)


def make_tenant(name: str) -> Tenant:
    business = BusinessFactory(name=name)
    user = UserFactory(username=f"user-{name.lower()}", first_name=name, last_name="Member")
    MembershipFactory(user=user, business=business)
    return Tenant(business, user, client_for(user))


@pytest.fixture
def alpha(db) -> Tenant:
    return make_tenant("Alpha")


@pytest.fixture
def bravo(db) -> Tenant:
    return make_tenant("Bravo")


@pytest.fixture
def listen(staff) -> Iterator:
    """listen(business=None, event_types=None, user=None) → a Listener with its own
    running receiver (business None: a global endpoint, made by staff)."""
    receivers: list[Receiver] = []

    def make(business=None, *, event_types=None, user=None) -> Listener:
        receiver = Receiver().__enter__()
        receivers.append(receiver)
        endpoint, secret = endpoint_create(
            acting_user=user or staff, business=business, url=receiver.url, event_types=event_types
        )
        receiver.secrets.append(secret)
        return Listener(endpoint, receiver)

    yield make
    for receiver in receivers:
        receiver.__exit__(None, None, None)


def deliver() -> None:
    """Send everything due; every attempt must succeed (the receivers answer 200)."""
    while True:
        run = deliver_due()
        assert run.failed == 0, run
        if not run.claimed:
            return


def import_csv(tmp_path: Path, header: list[str], rows: list[list[str]], *args: str) -> None:
    """Import a CSV of `header` and `rows` with the command, as ops scripts do."""
    path = tmp_path / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    out = io.StringIO()
    call_command("import_phone_numbers", str(path), "--no-progress", *args, stdout=out)
