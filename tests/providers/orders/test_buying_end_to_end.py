"""The issue's end-to-end test: 20 numbers bought in an area code from the simulated
provider, through a real Celery worker (Redis, the test's PostgreSQL database) and a live
server that receives the simulated provider's signed webhooks at /webhooks/simulated,
all of them Active in the end, each with its history: ordered by the staff member,
then changed by the actor "Provider".

The path: POST /phone-numbers/orders -> providers.run_order on the worker (search, enter
as Provisioning, order) -> providers.simulated_complete_order on the worker (signed
number_order.complete POSTed to the live server) -> the webhook stored and its processing
task sent to the worker -> providers.orders.order_number_result -> Active.
"""

from __future__ import annotations

import time

import pytest
from django.urls import Resolver404, resolve

from config.celery import app as celery_app
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus
from providers.models import NumberOrder, NumberOrderItem, ProviderEvent
from tests.celery_worker import running_worker
from tests.factories import BusinessFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 90.0


def settled(order_id, timeout: float = TIMEOUT) -> NumberOrder:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        order = NumberOrder.objects.get(pk=order_id)
        if order.status in (NumberOrder.Status.COMPLETED, NumberOrder.Status.FAILED):
            return order
        time.sleep(0.3)
    counts = list(
        NumberOrderItem.objects.filter(order_id=order_id).values_list("status", flat=True)
    )
    pytest.fail(f"the order is still {order.status} after {timeout:g} s: {counts}")


def test_twenty_numbers_bought_on_a_worker_become_active_through_signed_webhooks(
    live_server, staff_client, monkeypatch
):
    try:
        resolve("/webhooks/simulated")
    except Resolver404:  # the inbound webhooks arrive with their own branch
        pytest.skip("/webhooks/simulated is not served here yet")
    webhook_url = f"{live_server.url}/webhooks/simulated"
    with running_worker(
        concurrency=2, env={"SIMULATED_PROVIDER_WEBHOOK_URL": webhook_url}
    ) as worker:
        # This process (the API call, and the live server that takes the webhooks) sends
        # its tasks where the test's worker listens.
        monkeypatch.setitem(celery_app.conf, "broker_url", worker.broker_url)
        monkeypatch.setitem(celery_app.conf, "task_default_queue", worker.queue)
        # A connection an earlier test opened to the in-memory broker is not reused.
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
        business = BusinessFactory(name="Acme Roofing")

        response = staff_client.post(
            "/phone-numbers/orders",
            {"areaCode": "312", "quantity": 20, "businessId": str(business.pk)},
            format="json",
        )
        assert response.status_code == 202, response.content
        order = settled(response.json()["id"])

    assert order.status == NumberOrder.Status.COMPLETED, worker.output()[-3000:]
    items = list(order.items.select_related("phone_number"))
    assert len(items) == 20
    assert {item.status for item in items} == {NumberOrderItem.Status.ACTIVE}
    numbers = PhoneNumber.objects.filter(pk__in=[item.phone_number_id for item in items])
    assert numbers.count() == 20
    for number in numbers:
        assert number.number.startswith("+1312")
        assert number.status == PhoneNumberStatus.ACTIVE
        assert number.inventory_state == InventoryState.ASSIGNED
        assert number.business_id == business.pk
        assert number.provider == "simulated" and number.provider_phone_number_id
        assert number.provider_order_status == "success"
    events = PhoneNumberEvent.objects.filter(phone_number__in=numbers)
    ordered = events.filter(title="Ordered at simulated")  # by the staff member who ordered
    assert ordered.count() == 20
    assert set(ordered.values_list("actor__username", flat=True)) == {"staff"}
    by_provider = events.exclude(pk__in=ordered)
    assert set(by_provider.values_list("actor_name", flat=True)) == {"Provider"}
    assert by_provider.values("phone_number").distinct().count() == 20
    # The completion came as a signed webhook, stored once and processed.
    deliveries = ProviderEvent.objects.filter(
        provider="simulated", event_type="number_order.complete"
    )
    assert deliveries.exists()
    assert set(deliveries.values_list("status", flat=True)) == {ProviderEvent.Status.PROCESSED}
    body = staff_client.get(f"/phone-numbers/orders/{order.pk}").json()
    assert (body["requested"], body["bought"], body["active"], body["failed"]) == (20, 20, 20, 0)
