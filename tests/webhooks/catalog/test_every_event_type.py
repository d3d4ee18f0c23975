"""Every event type of the catalog, produced through the services and delivered to a
receiver: each real payload is checked against /asyncapi.json (the receiver checks every
request; the assertions here say so once more, by type)."""

from __future__ import annotations

import pytest

from phonenumbers_app.services import (
    phone_number_claim,
    phone_number_create,
    phone_number_release,
    phone_number_update,
    phone_number_warmup_pause,
    phone_number_warmup_resume,
)
from phonenumbers_app.services.provider_sync import (
    phone_number_provision,
    phone_number_provisioning_finished,
)
from phonenumbers_app.vocabularies import WarmupHealthState
from tests.webhooks.catalog_check import assert_matches_catalog, catalog_errors
from tests.webhooks.receiver import Receiver
from webhooks import catalog
from webhooks.delivery import deliver_due
from webhooks.models import WebhookDelivery
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def deliver_all() -> None:
    while deliver_due().claimed:
        pass


def change_every_way(staff, member, business, other_business) -> None:
    """One of each kind of change, through the services the doors call."""
    phone_number_create(acting_user=staff, name="Stock", number="+14155550170")
    number = phone_number_claim(business=business, acting_user=member, name="Front desk")
    phone_number_update(phone_number=number, acting_user=member, fields={"name": "Reception"})
    phone_number_update(
        phone_number=number,
        acting_user=staff,
        ten_dlc={"brand_id": "B123", "campaign_id": "C456", "campaign_status": "ACTIVE"},
    )
    phone_number_update(
        phone_number=number,
        acting_user=staff,
        fields={"warmup_enabled": True, "warmup_state": WarmupHealthState.WARMING},
    )
    phone_number_warmup_pause(phone_number=number, acting_user=member, reason="Complaints")
    phone_number_warmup_resume(phone_number=number, acting_user=member)
    phone_number_update(
        phone_number=number,
        acting_user=staff,
        fields={
            "warmup_state": WarmupHealthState.READY,
            "health_status": WarmupHealthState.HEALTHY,
        },
    )
    phone_number_update(phone_number=number, acting_user=staff, business=other_business)
    phone_number_release(phone_number=number, acting_user=staff)
    for number_text, succeeded in (("+14155550171", True), ("+14155550172", False)):
        ordered = phone_number_provision(
            number=number_text,
            provider="simulated",
            provider_phone_number_id=None,
            provider_order_id=f"order-{number_text}",
            business=business,
            acting_user=staff,
        )
        phone_number_provisioning_finished(
            phone_number=ordered, succeeded=succeeded, reason=None if succeeded else "No stock"
        )


def test_every_event_type_is_delivered_as_the_catalog_declares_it(
    settings, staff_user, member, business, other_business
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 1
    settings.WEBHOOK_DISABLE_AFTER_SECONDS = 0
    with Receiver() as receiver, Receiver() as failing:
        failing.answers = [500] * 20
        for owner, user in ((None, staff_user), (business, member), (other_business, staff_user)):
            _, secret = endpoint_create(acting_user=user, business=owner, url=receiver.url)
            receiver.secrets.append(secret)
        # Fails its first delivery, is disabled, and the business's endpoint hears of it.
        endpoint_create(
            acting_user=member,
            business=business,
            url=failing.url,
            event_types=[catalog.CREATED, catalog.ASSIGNED],
        )

        change_every_way(staff_user, member, business, other_business)
        deliver_all()

        got = receiver.received
        assert got and all(r.verified for r in got), [r.error for r in got if not r.verified]
        for received in got:
            assert_matches_catalog(received.payload, received.headers)
        assert {r.payload["type"] for r in got} == set(catalog.EVENT_TYPES)
        assert not [r.catalog_error for r in (*got, *failing.received) if r.catalog_error]
    assert WebhookDelivery.objects.filter(state="succeeded").count() == len(got)


def test_a_number_that_left_is_only_a_reference_and_the_others_are_whole(
    staff_user, member, business, other_business
):
    with Receiver() as receiver:
        _, secret = endpoint_create(acting_user=member, business=business, url=receiver.url)
        receiver.secrets.append(secret)
        phone_number_create(acting_user=staff_user, name="Stock", number="+14155550173")
        number = phone_number_claim(business=business, acting_user=member, name="Desk")
        phone_number_update(phone_number=number, acting_user=staff_user, business=other_business)
        deliver_all()

        by_type = {r.payload["type"]: r.payload["data"] for r in receiver.received}
        assert set(by_type) == {catalog.ASSIGNED, catalog.UNASSIGNED}
        assert by_type[catalog.UNASSIGNED] == {"id": str(number.id), "number": number.number}
        assert by_type[catalog.ASSIGNED]["business"]["id"] == str(business.id)
        # The catalog tells the two forms apart: neither passes for the other.
        whole = {"type": catalog.UNASSIGNED, "timestamp": "2026-01-01T00:00:00.000Z"}
        assert catalog_errors({**whole, "data": by_type[catalog.ASSIGNED], "changes": []})
        reference = {**whole, "type": catalog.UPDATED, "data": by_type[catalog.UNASSIGNED]}
        assert catalog_errors({**reference, "changes": []})
