"""The API machinery's metrics: rate-limit refusals and idempotent replays."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest

from tests.factories import PhoneNumberFactory
from tests.metrics import value
from tests.rate_windows import start_of_a_fresh_window

pytestmark = pytest.mark.django_db

REFUSALS = "inventory_rate_limit_refusals_total"
REPLAYS = "inventory_idempotent_replays_total"


def test_each_request_refused_by_the_rate_limit_is_counted_once(settings, staff_client):
    settings.API_RATE_LIMIT = "2/min"
    start_of_a_fresh_window()
    before = value(REFUSALS)

    statuses = [staff_client.get("/phone-numbers").status_code for _ in range(4)]

    assert statuses == [HTTPStatus.OK] * 2 + [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert value(REFUSALS) == before + 2


def test_a_replayed_write_is_counted_and_the_first_is_not(staff_client, business):
    number = PhoneNumberFactory(business=business)
    body = json.dumps({"name": "Renamed"})
    headers = {"HTTP_IDEMPOTENCY_KEY": "metrics-replay-1"}
    before = value(REPLAYS)

    first = staff_client.generic(
        "PATCH", f"/phone-numbers/{number.pk}", body, content_type="application/json", **headers
    )
    assert first.status_code == HTTPStatus.OK
    assert value(REPLAYS) == before

    again = staff_client.generic(
        "PATCH", f"/phone-numbers/{number.pk}", body, content_type="application/json", **headers
    )
    assert again["Idempotent-Replayed"] == "true"
    assert value(REPLAYS) == before + 1


def test_requests_let_through_because_the_cache_is_down_are_counted(
    settings, staff_client, dead_cache
):
    settings.API_RATE_LIMIT = "1/min"
    before = value("inventory_rate_limit_cache_failures_total")

    statuses = [staff_client.get("/phone-numbers").status_code for _ in range(2)]

    assert statuses == [HTTPStatus.OK] * 2
    assert value("inventory_rate_limit_cache_failures_total") == before + 2
