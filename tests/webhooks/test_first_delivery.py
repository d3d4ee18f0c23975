"""A change to a number reaches a subscribed endpoint, signed, once delivered."""

from __future__ import annotations

import pytest

from phonenumbers_app.services import phone_number_update
from tests.factories import PhoneNumberFactory
from webhooks.delivery import deliver_due
from webhooks.models import WebhookDelivery, WebhookMessage
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


def test_an_update_is_delivered_signed_to_the_business_endpoint(business, member, receiver):
    _, secret = endpoint_create(acting_user=member, business=business, url=receiver.url)
    receiver.secrets.append(secret)
    number = PhoneNumberFactory(business=business)

    phone_number_update(phone_number=number, acting_user=member, fields={"name": "Front desk"})

    message = WebhookMessage.objects.get()
    assert message.event_type == "phone_number.updated"
    run = deliver_due()
    assert run.succeeded == 1
    (got,) = receiver.received
    assert got.verified, got.error
    assert got.webhook_id == message.webhook_id
    assert got.payload["type"] == "phone_number.updated"
    assert got.payload["data"]["name"] == "Front desk"
    assert WebhookDelivery.objects.get().state == "succeeded"
