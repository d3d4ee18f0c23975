"""POST /phone-numbers/search and /phone-numbers/is-available-for-purchase, answered by
the default provider (the simulated one in tests), checked against the published
document's PhoneNumberSearchResponse and PhoneNumberAvailabilityResponse (strictly:
every documented field present)."""

from __future__ import annotations

import pytest

from providers.base import ProviderError
from providers.simulated import SimulatedProvider
from tests.factories import PhoneNumberFactory
from tests.seed_document import load_seed_document, seed_errors, seed_validator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache")]

SEARCH = "/phone-numbers/search"
AVAILABLE = "/phone-numbers/is-available-for-purchase"


@pytest.fixture(scope="module")
def published():
    document = load_seed_document()
    # Answers strictly (every documented field present); requests as published.
    return {
        "PhoneNumberSearchResponse": seed_validator(
            document, "PhoneNumberSearchResponse", strict=True
        ),
        "PhoneNumberAvailabilityResponse": seed_validator(
            document, "PhoneNumberAvailabilityResponse", strict=True
        ),
        "PhoneNumberSearchRequest": seed_validator(document, "PhoneNumberSearchRequest"),
        "PhoneNumberAvailabilityRequest": seed_validator(
            document, "PhoneNumberAvailabilityRequest"
        ),
    }


def test_search_by_area_code_answers_as_published(member_client, published):
    request = {"areaCode": "312", "quantity": 5}
    response = member_client.post(SEARCH, request, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert seed_errors(published["PhoneNumberSearchResponse"], body) == []
    assert len(body["numbers"]) == 5
    first = body["numbers"][0]
    assert first["number"].startswith("+1312")
    assert first["location"]["location"] == "Chicago, IL"
    assert first["location"]["canonicalCity"] == "Chicago"
    assert first["location"]["state"] == "IL"
    assert first["location"]["timeZoneId"] == "America/Chicago"
    assert first["price"] == 1.0 and first["currency"] == "USD"
    assert body["provider"] == "simulated"


def test_search_with_the_published_request_fields_only(staff_client, published):
    request = {"phoneNumber": None, "location": {"canonicalCity": "Chicago", "state": "IL"}}
    assert seed_errors(published["PhoneNumberSearchRequest"], request) == []
    response = staff_client.post(SEARCH, request, format="json")
    assert response.status_code == 200
    body = response.json()
    assert seed_errors(published["PhoneNumberSearchResponse"], body) == []
    assert len(body["numbers"]) == 10
    assert {n["location"]["canonicalCity"] for n in body["numbers"]} == {"Chicago"}


def test_search_like_a_number_and_by_digits(member_client):
    response = member_client.post(
        SEARCH, {"phoneNumber": "(415) 555-2671", "contains": "77", "quantity": 3}, format="json"
    )
    numbers = [n["number"] for n in response.json()["numbers"]]
    assert len(numbers) == 3
    assert all(n.startswith("+1415") and "77" in n[5:] for n in numbers)


def test_search_like_a_number_of_a_country_the_provider_does_not_serve(member_client):
    body = member_client.post(SEARCH, {"phoneNumber": "+442071838750"}, format="json").json()
    assert body["numbers"] == []


def test_search_in_canada(member_client):
    body = member_client.post(SEARCH, {"areaCode": "416", "quantity": 2}, format="json").json()
    assert [n["location"]["countryCode"] for n in body["numbers"]] == ["CA", "CA"]


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"areaCode": "31"}, "areaCode"),
        ({"areaCode": 312}, "areaCode"),
        ({"contains": "7a"}, "contains"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 101}, "quantity"),
        ({"phoneNumber": "not a number"}, "phoneNumber"),
        (
            {"location": {"coordinate": {"latitude": 100, "longitude": 0}}},
            "location.coordinate.latitude",
        ),
        ({"capabilities": {"sms": "yes"}}, "capabilities.sms"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_search_is_a_problem(member_client, request_body, field):
    response = member_client.post(SEARCH, request_body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_search_needs_a_key(client):
    assert client.post(SEARCH, {}, content_type="application/json").status_code == 401


def test_a_provider_failure_is_a_502_or_a_503_never_a_500(member_client, monkeypatch):
    def refuse(self, query):
        raise ProviderError("Invalid area code", code="10015")

    monkeypatch.setattr(SimulatedProvider, "search", refuse)
    response = member_client.post(SEARCH, {"areaCode": "312"}, format="json")
    assert response.status_code == 502
    assert response.json()["type"] == "/problems/provider-error"
    assert response.json()["providerCode"] == "10015"

    def time_out(self, query):
        raise ProviderError("Timed out", retryable=True)

    monkeypatch.setattr(SimulatedProvider, "search", time_out)
    response = member_client.post(SEARCH, {"areaCode": "312"}, format="json")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response.json()["type"] == "/problems/provider-unavailable"


def test_no_provider_is_a_503(member_client, settings):
    settings.SIMULATED_PROVIDER = False
    response = member_client.post(SEARCH, {"areaCode": "312"}, format="json")
    assert response.status_code == 503
    assert response.json()["type"] == "/problems/provider-unavailable"


def test_availability_answers_as_published(member_client, published):
    number = member_client.post(SEARCH, {"areaCode": "312", "quantity": 1}, format="json").json()[
        "numbers"
    ][0]["number"]
    request = {"phoneNumber": number}
    assert seed_errors(published["PhoneNumberAvailabilityRequest"], request) == []
    response = member_client.post(AVAILABLE, request, format="json")
    assert response.status_code == 200
    body = response.json()
    assert seed_errors(published["PhoneNumberAvailabilityResponse"], body) == []
    assert body["isAvailable"] is True and body["price"] == 1.0 and body["currency"] == "USD"
    assert body["location"]["location"] == "Chicago, IL"


def test_a_number_the_inventory_holds_is_not_available(member_client, published):
    number = member_client.post(SEARCH, {"areaCode": "312", "quantity": 1}, format="json").json()[
        "numbers"
    ][0]["number"]
    PhoneNumberFactory(number=number)
    body = member_client.post(AVAILABLE, {"phoneNumber": number}, format="json").json()
    assert seed_errors(published["PhoneNumberAvailabilityResponse"], body) == []
    assert body["isAvailable"] is False and body["reason"]


def test_a_fictional_number_is_not_for_sale(member_client):
    body = member_client.post(AVAILABLE, {"phoneNumber": "+1 312 555 0123"}, format="json").json()
    assert body["phoneNumber"] == "+13125550123"
    assert body["isAvailable"] is False and body["price"] is None


@pytest.mark.parametrize("request_body", [{}, {"phoneNumber": "12"}, {"phoneNumber": None}, []])
def test_bad_availability_is_a_problem(member_client, request_body):
    response = member_client.post(AVAILABLE, request_body, format="json")
    assert response.status_code == 400


def test_search_is_a_few_queries(member_client, django_assert_max_num_queries):
    member_client.post(SEARCH, {"areaCode": "312", "quantity": 1}, format="json")  # warm
    with django_assert_max_num_queries(8):
        response = member_client.post(SEARCH, {"areaCode": "312", "quantity": 100}, format="json")
    assert len(response.json()["numbers"]) == 100
