"""Races on PostgreSQL: real concurrent transactions through the HTTP layer.

Each thread has its own database connection (Django's are per thread), so these
are separate sessions contending for the same rows, as in production.
"""

from collections import Counter
from functools import partial
from http import HTTPStatus

import pytest

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import InventoryState
from tests.concurrently import all_at_once
from tests.conftest import client_for
from tests.factories import BusinessFactory, PhoneNumberFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post_concurrently(bodies: list[dict]) -> list[tuple[int, dict]]:
    """POST every body at the same moment from its own thread; (status, json) in order."""
    staff = UserFactory(username="racer", is_staff=True)
    clients = [client_for(staff) for _ in bodies]

    def post(client, body) -> tuple[int, dict]:
        response = client.post("/phone-numbers", body, format="json")
        return response.status_code, response.json()

    results = all_at_once([partial(post, c, b) for c, b in zip(clients, bodies, strict=True)])
    assert all(result is not None for result in results)
    return results


def test_twenty_concurrent_claims_on_a_pool_of_ten_share_no_number():
    business = BusinessFactory()
    pool = [PhoneNumberFactory() for _ in range(10)]

    results = post_concurrently(
        [{"name": f"Claim {i}", "businessId": str(business.pk)} for i in range(20)]
    )

    statuses = Counter(status for status, _ in results)
    assert statuses == {HTTPStatus.OK: 10, HTTPStatus.CONFLICT: 10}
    claimed = [body["number"] for status, body in results if status == HTTPStatus.OK]
    assert sorted(claimed) == sorted(number.number for number in pool)
    assert all(
        body["type"] == "/problems/inventory-exhausted"
        for status, body in results
        if status == HTTPStatus.CONFLICT
    )
    assert PhoneNumber.objects.filter(business=business).count() == 10
    assert PhoneNumberEvent.objects.filter(type="assigned").count() == 10


def test_ten_concurrent_creates_of_one_number_make_exactly_one_row():
    business = BusinessFactory()

    results = post_concurrently(
        [
            {"name": f"Create {i}", "number": "+14155552671", "businessId": str(business.pk)}
            for i in range(10)
        ]
    )

    statuses = Counter(status for status, _ in results)
    assert statuses == {HTTPStatus.OK: 1, HTTPStatus.CONFLICT: 9}
    assert all(
        body["type"] == "/problems/number-exists" and body["inventoryState"] == "Assigned"
        for status, body in results
        if status == HTTPStatus.CONFLICT
    )
    assert PhoneNumber.objects.filter(number="+14155552671").count() == 1
    assert PhoneNumberEvent.objects.count() == 1


def test_ten_concurrent_assignments_of_one_pool_number_assign_it_once():
    businesses = [BusinessFactory() for _ in range(10)]
    stock = PhoneNumberFactory(number="+14155552671")

    results = post_concurrently(
        [
            {"name": f"Mine {i}", "number": "+14155552671", "businessId": str(business.pk)}
            for i, business in enumerate(businesses)
        ]
    )

    statuses = Counter(status for status, _ in results)
    assert statuses == {HTTPStatus.OK: 1, HTTPStatus.CONFLICT: 9}
    winner = next(body for status, body in results if status == HTTPStatus.OK)
    stock.refresh_from_db()
    assert stock.inventory_state == InventoryState.ASSIGNED
    assert str(stock.business_id) == winner["business"]["id"]
    assert PhoneNumberEvent.objects.filter(phone_number=stock).count() == 1


def test_concurrent_default_number_changes_queue_on_the_business_and_never_fail():
    """70 requests made one of 35 numbers of a business its default at once: before the
    business row was locked, most ended in a 500 on the one-default constraint."""
    business = BusinessFactory()
    numbers = [PhoneNumberFactory(business=business, assigned=True) for _ in range(35)]
    staff = UserFactory(username="default-racer", is_staff=True)
    clients = [client_for(staff) for _ in range(70)]

    def make_default(client, number) -> int:
        url = f"/phone-numbers/{number.pk}"
        return client.patch(url, {"isDefault": True}, format="json").status_code

    statuses = all_at_once(
        [partial(make_default, c, numbers[i % len(numbers)]) for i, c in enumerate(clients)],
        timeout=120,
    )

    assert Counter(statuses) == {HTTPStatus.OK: len(clients)}
    assert PhoneNumber.objects.filter(business=business, is_default=True).count() == 1
