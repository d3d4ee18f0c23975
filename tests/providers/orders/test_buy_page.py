"""/ops/orders/: "Buy numbers" (a form, a confirmation, the order's progress page)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from providers import buying
from providers.models import NumberOrder
from tests.conftest import db_state
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ORDERS = reverse("providers:orders")


@pytest.fixture
def buyer(client):
    user = UserFactory(username="buyer", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="add_phonenumber"))
    client.force_login(user)
    return user


def test_the_form_confirms_then_orders(client, buyer, business, django_capture_on_commit_callbacks):
    page = client.get(ORDERS).content.decode()
    assert "<h1>Buy numbers</h1>" in page and 'name="area_code"' in page
    assert 'aria-current="page">Buy numbers</a>' in page

    form = {"area_code": "312", "quantity": "20", "business": "Acme Roofing"}
    confirm = client.post(ORDERS, form).content.decode()
    assert "Buy 20 numbers in area code 312 at Simulated, for Acme Roofing?" in confirm
    assert NumberOrder.objects.count() == 0

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(ORDERS, {**form, "confirmed": "1"})
    order = NumberOrder.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("providers:order", args=[order.pk])
    assert (order.area_code, order.quantity, order.business, order.requested_by) == (
        "312",
        20,
        business,
        buyer,
    )
    assert len(callbacks) == 1


def test_the_order_page_shows_progress_and_reloads_until_done(client, buyer):
    order = buying.order_request(
        ask=buying.order_validate(
            provider=None, area_code="312", numbers=None, quantity=3, business=None
        ),
        acting_user=buyer,
    )
    buying.order_run(order.pk)
    page = client.get(reverse("providers:order", args=[order.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Waiting for the provider" in page
    assert page.count("<td>Ordered</td>") == 3
    buying.order_poll(order)
    page = client.get(reverse("providers:order", args=[order.pk])).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert page.count("<td>Active</td>") == 3
    assert "3 active, 0 failed of 3 (100%)" in page
    listing = client.get(ORDERS).content.decode()
    assert reverse("providers:order", args=[order.pk]) in listing


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"area_code": "31", "quantity": "5"}, "Ensure this value has at least 3 characters"),
        ({"area_code": "112", "quantity": "5"}, "Must be three digits"),
        ({"area_code": "312", "quantity": "0"}, "greater than or equal to 1"),
        ({"area_code": "312", "quantity": "5", "business": "Nobody"}, "Nobody"),
    ],
)
def test_bad_input_says_why_and_orders_nothing(client, buyer, form, error):
    before = db_state()
    page = client.post(ORDERS, {**form, "confirmed": "1"}).content.decode()
    assert error in page
    assert NumberOrder.objects.count() == 0
    assert db_state() == before


def test_staff_without_the_add_permission_may_not_buy(client, unchanged_db):
    client.force_login(UserFactory(username="viewer", is_staff=True))
    with unchanged_db():
        response = client.post(ORDERS, {"area_code": "312", "quantity": "5", "confirmed": "1"})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "Buy numbers" not in client.get(reverse("ops:dashboard")).content.decode()
    assert NumberOrder.objects.count() == 0


def test_non_staff_are_sent_to_log_in(client):
    client.force_login(UserFactory())
    assert client.get(ORDERS).status_code == HTTPStatus.FOUND
