"""A provider's word on one ordered number (providers/orders.py order_number_result): the
number leaves Provisioning, its order item follows, the order completes when none waits."""

from __future__ import annotations

import pytest

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.provider_sync import phone_number_provision
from phonenumbers_app.vocabularies import PhoneNumberStatus
from providers.models import NumberOrder, NumberOrderItem
from providers.orders import order_number_result

pytestmark = pytest.mark.django_db
NUMBERS = ("+13125550142", "+13125550143")


def waiting_order(provider: str = "simulated") -> NumberOrder:
    order = NumberOrder.objects.create(
        provider=provider, area_code="312", quantity=2, status=NumberOrder.Status.WAITING
    )
    for number in NUMBERS:
        phone_number = phone_number_provision(
            number=number,
            provider=provider,
            provider_phone_number_id=None,
            provider_order_id="po-1",
            business=None,
            acting_user=None,
        )
        NumberOrderItem.objects.create(
            order=order, number=number, phone_number=phone_number, provider_order_id="po-1"
        )
    return order


def test_the_order_completes_when_its_last_number_is_settled():
    order = waiting_order()
    assert order_number_result(
        provider="simulated",
        number=NUMBERS[0],
        succeeded=True,
        provider_order_id="po-1",
        provider_phone_number_id="pn-1",
    )
    order.refresh_from_db()
    assert order.status == NumberOrder.Status.WAITING
    order_number_result(
        provider="simulated", number=NUMBERS[1], succeeded=False, reason="Carrier refused"
    )
    order.refresh_from_db()
    assert order.status == NumberOrder.Status.COMPLETED and order.finished_at
    items = {item.number: item for item in order.items.all()}
    assert items[NUMBERS[0]].status == NumberOrderItem.Status.ACTIVE
    assert items[NUMBERS[0]].provider_phone_number_id == "pn-1"
    assert (items[NUMBERS[1]].status, items[NUMBERS[1]].error) == ("failed", "Carrier refused")
    statuses = dict(PhoneNumber.objects.values_list("number", "status"))
    assert statuses == {
        NUMBERS[0]: PhoneNumberStatus.ACTIVE,
        NUMBERS[1]: PhoneNumberStatus.FAILED_PROVISIONING,
    }


def test_a_repeated_word_changes_nothing():
    waiting_order()
    order_number_result(provider="simulated", number=NUMBERS[0], succeeded=True)
    assert not order_number_result(provider="simulated", number=NUMBERS[0], succeeded=False)
    assert PhoneNumber.objects.get(number=NUMBERS[0]).status == PhoneNumberStatus.ACTIVE


def test_another_providers_word_does_not_touch_the_number():
    waiting_order(provider="simulated")
    assert not order_number_result(provider="telnyx", number=NUMBERS[0], succeeded=False)
    assert PhoneNumber.objects.get(number=NUMBERS[0]).status == PhoneNumberStatus.PROVISIONING


def test_another_orders_id_does_not_settle_this_orders_item():
    order = waiting_order()
    order_number_result(
        provider="simulated", number=NUMBERS[0], succeeded=True, provider_order_id="po-other"
    )
    assert order.items.get(number=NUMBERS[0]).status == NumberOrderItem.Status.ORDERED
