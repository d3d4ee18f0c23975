"""POST /phone-numbers/orders (staff) and GET /phone-numbers/orders/{id}."""

from __future__ import annotations

import pytest

from providers import buying
from providers.models import NumberOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache")]

ORDERS = "/phone-numbers/orders"


def test_staff_order_is_accepted_with_its_resource(
    staff_client, business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            ORDERS, {"areaCode": "312", "quantity": 20, "businessId": "Acme Roofing"}, format="json"
        )
    assert response.status_code == 202, response.content
    body = response.json()
    order = NumberOrder.objects.get()
    assert response["Location"] == f"http://testserver/phone-numbers/orders/{order.pk}"
    assert body["id"] == str(order.pk)
    assert body["status"] == "queued" and body["provider"] == "simulated"
    assert body["businessId"] == str(business.pk)
    assert (body["requested"], body["bought"], body["active"], body["failed"]) == (20, 0, 0, 0)
    assert body["items"] == [] and body["finishedAt"] is None
    assert len(callbacks) == 1  # the job is queued when the order is committed


def test_the_order_shows_its_progress(staff_client):
    order = buying.order_request(
        ask=buying.order_validate(
            provider="simulated", area_code="312", numbers=None, quantity=3, business=None
        ),
        acting_user=None,
    )
    buying.order_run(order.pk)
    body = staff_client.get(f"{ORDERS}/{order.pk}").json()
    assert body["status"] == "waiting"
    assert (body["bought"], body["pending"], body["active"]) == (3, 3, 0)
    buying.order_poll(order)
    body = staff_client.get(f"{ORDERS}/{order.pk}/").json()
    assert body["status"] == "completed" and body["finishedAt"]
    assert (body["bought"], body["active"], body["failed"], body["pending"]) == (3, 3, 0, 0)
    assert all(item["status"] == "active" and item["phoneNumberId"] for item in body["items"])


def test_order_by_numbers(staff_client):
    response = staff_client.post(
        ORDERS, {"numbers": ["(312) 264-9357", "+13122336872"]}, format="json"
    )
    assert response.status_code == 202
    assert response.json()["numbers"] == ["+13122649357", "+13122336872"]
    assert response.json()["quantity"] == 2


def test_tenants_may_not_buy_nor_read_orders(member_client, staff_client, unchanged_db):
    with unchanged_db():
        response = member_client.post(ORDERS, {"areaCode": "312", "quantity": 1}, format="json")
    assert response.status_code == 403
    assert NumberOrder.objects.count() == 0
    order = staff_client.post(ORDERS, {"areaCode": "312", "quantity": 1}, format="json").json()
    assert member_client.get(f"{ORDERS}/{order['id']}").status_code == 403


def test_an_unknown_order_is_a_404(staff_client):
    response = staff_client.get(f"{ORDERS}/3fa85f64-5717-4562-b3fc-2c963f66afa6")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("request_body", "fields"),
    [
        ({"areaCode": "31", "quantity": 5}, {"areaCode"}),
        ({"areaCode": "312", "quantity": 0}, {"quantity"}),
        ({"areaCode": "312", "quantity": 1001}, {"quantity"}),
        ({"areaCode": "312"}, {"quantity"}),
        ({"quantity": 5}, {"areaCode"}),
        ({"areaCode": "312", "quantity": 5, "provider": "telnyx"}, {"provider"}),
        ({"areaCode": "312", "quantity": 5, "provider": "acme"}, {"provider"}),
        ({"areaCode": "312", "quantity": 5, "businessId": "No Such Co"}, {"businessId"}),
        ({"numbers": ["+13125550101", "nope"]}, {"numbers[1]"}),
        ({"numbers": ["+13125550101"], "quantity": 3}, {"quantity"}),
        ({"areaCode": "312", "quantity": "5"}, {"quantity"}),
        ({"areaCode": "312", "quantity": 5, "extra": True}, {"extra"}),
    ],
)
def test_a_bad_order_is_a_problem_and_changes_nothing(
    staff_client, request_body, fields, unchanged_db
):
    with unchanged_db():
        response = staff_client.post(ORDERS, request_body, format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == fields
    assert NumberOrder.objects.count() == 0


def test_an_idempotency_key_makes_one_order(staff_client):
    headers = {"HTTP_IDEMPOTENCY_KEY": "buy-312-once"}
    first = staff_client.post(ORDERS, {"areaCode": "312", "quantity": 2}, format="json", **headers)
    again = staff_client.post(ORDERS, {"areaCode": "312", "quantity": 2}, format="json", **headers)
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert NumberOrder.objects.count() == 1


def test_reading_an_order_takes_a_few_queries(staff_client, django_assert_max_num_queries):
    order = buying.order_request(
        ask=buying.order_validate(
            provider=None, area_code="312", numbers=None, quantity=60, business=None
        ),
        acting_user=None,
    )
    buying.order_run(order.pk)
    with django_assert_max_num_queries(6):
        body = staff_client.get(f"{ORDERS}/{order.pk}").json()
    assert len(body["items"]) == 60
