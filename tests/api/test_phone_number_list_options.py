"""POST /phone-numbers/all/organization: the seed product's list request, answered by
the list behind GET /phone-numbers; real answers validate against the seed's document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.conftest import client_for
from tests.factories import BusinessFactory, MembershipFactory, PhoneNumberFactory, UserFactory
from tests.seed_document import load_seed_document, seed_validator

URL = "/phone-numbers/all/organization"
T0 = datetime(2024, 1, 1, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seed_document() -> dict:
    return load_seed_document()


@pytest.fixture(scope="module")
def seed_page(seed_document):
    """Asserts a body is a valid PagedResultOfPhoneNumberTableRow of the seed's document."""
    validator = seed_validator(seed_document, "PagedResultOfPhoneNumberTableRow")
    request = seed_validator(seed_document, "RequestDataOptions")

    def check(body: dict, sent: dict | None = None) -> dict:
        if sent is not None:
            assert not list(request.iter_errors(sent)), "the test sent a non-seed request"
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, errors
        return body

    return check


@pytest.fixture(scope="module")
def seed_problem(seed_document):
    validator = seed_validator(seed_document, "ProblemDetails")

    def check(response) -> dict:
        assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
        body = response.json()
        assert not list(validator.iter_errors(body))
        assert body["type"] == "/problems/validation-error"
        return body["errors"]

    return check


def post(client, body: dict | None = None):
    return client.post(URL, body if body is not None else {}, format="json")


def listed(client, body: dict | None = None, *, check=None) -> dict:
    response = post(client, body)
    assert response.status_code == HTTPStatus.OK, response.content
    data = response.json()
    if check is not None:
        check(data, body)
    return data


def names(body: dict) -> list[str]:
    return [row["name"] for row in body["items"]]


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


class TestAnswersAreTheSeedsShape:
    def test_a_page_of_table_rows_validates_against_the_seed_document(
        self, staff_client, business, seed_page
    ):
        PhoneNumberFactory(
            business=business,
            name="Sales",
            number="+14155552671",
            warmup_enabled=True,
            warmup_state=WarmupHealthState.WARMING,
            health_status=WarmupHealthState.NEEDS_ATTENTION,
            warmup_health_score=71,
            inventory_state=InventoryState.READY_FOR_SMS,
        )
        PhoneNumberFactory(name="Pool", number="+18005550100", warmup_state=None)
        body = listed(staff_client, {"includeCount": True, "pageSize": 10}, check=seed_page)
        assert body["totalCount"] == 2
        assert body["pageSize"] == 10
        assert body["continuationToken"] is None
        row = next(row for row in body["items"] if row["name"] == "Sales")
        assert row["organization"] == business.name
        assert row["organizationId"] == str(business.pk)
        assert row["type"] == "Local"
        assert row["warmup"] == {
            "enabled": True,
            "state": "In Progress",
            "healthStatus": "Needs Attention",
            "healthScore": 71,
            "progressPercent": 0,
            "callStage": "Stage 0",
        }
        assert row["smsReady"] is True and row["voiceReady"] is True
        pool = next(row for row in body["items"] if row["name"] == "Pool")
        assert pool["type"] == "TollFree"
        assert (pool["organization"], pool["organizationId"]) == ("", None)
        assert (pool["warmup"]["state"], pool["warmup"]["healthStatus"]) == (
            "Not Started",
            "Not Evaluated",
        )

    def test_every_option_at_once_validates_against_the_seed_document(
        self, staff_client, business, seed_page
    ):
        PhoneNumberFactory(business=business, name="Kept", created_at=at(5))
        body = {
            "pageSize": 5,
            "continuationToken": None,
            "orderBy": [{"field": "name", "direction": "asc"}, {"field": "createdAt"}],
            "includeCount": False,
            "search": "Kep",
            "searchFields": ["name", "number"],
            "filters": [{"field": "organizationId", "value": str(business.pk)}],
            "rangeFilters": [
                {
                    "field": "createdAt",
                    "greaterThanOrEqual": at(0).isoformat(),
                    "lessThanOrEqual": at(10).isoformat(),
                }
            ],
        }
        assert names(listed(staff_client, body, check=seed_page)) == ["Kept"]

    def test_bad_requests_are_seed_problem_details(self, staff_client, seed_problem):
        errors = seed_problem(post(staff_client, {"pageSize": 0}))
        assert errors == {"pageSize": ["Must be an integer from 1 to 500."]}


class TestSameListAsGet:
    def test_same_rows_in_the_same_order_as_get(self, staff_client, business):
        for index, state in enumerate([PhoneNumberStatus.ACTIVE] * 3 + [PhoneNumberStatus.EXPIRED]):
            PhoneNumberFactory(
                business=business, status=state, name=f"N{index}", created_at=at(index)
            )
        get = staff_client.get(
            "/phone-numbers", {"status": "Active", "orderBy": "-name", "pageSize": 2}
        ).json()
        body = {
            "filters": [{"field": "status", "value": "Active"}],
            "orderBy": [{"field": "name", "direction": "desc"}],
            "pageSize": 2,
        }
        posted = listed(staff_client, body)
        assert [row["id"] for row in posted["items"]] == [row["id"] for row in get["items"]]
        assert names(posted) == ["N2", "N1"]

    def test_pages_follow_with_the_token_and_end_with_null(self, staff_client, business):
        for index in range(5):
            PhoneNumberFactory(business=business, name=f"P{index}", created_at=at(index))
        seen, token = [], None
        while True:
            body = listed(staff_client, {"pageSize": 2, "continuationToken": token})
            seen += names(body)
            token = body["continuationToken"]
            if token is None:
                break
        assert seen == ["P4", "P3", "P2", "P1", "P0"]

    def test_a_token_continues_the_same_list_in_either_request_shape(self, staff_client, business):
        # Decision: a token is a position in the list (signed, bound to the ordering),
        # not to the request shape; GET and POST are one list.
        for index in range(4):
            PhoneNumberFactory(business=business, name=f"T{index}", created_at=at(index))
        first = staff_client.get("/phone-numbers", {"pageSize": 2}).json()
        second = listed(
            staff_client, {"pageSize": 2, "continuationToken": first["continuationToken"]}
        )
        assert names(second) == ["T1", "T0"]
        first_post = listed(staff_client, {"pageSize": 2})
        second_get = staff_client.get(
            "/phone-numbers", {"pageSize": 2, "continuationToken": first_post["continuationToken"]}
        ).json()
        assert [row["name"] for row in second_get["items"]] == ["T1", "T0"]

    def test_a_token_for_another_ordering_is_refused(self, staff_client, business):
        PhoneNumberFactory.create_batch(3, business=business)
        token = listed(staff_client, {"pageSize": 1})["continuationToken"]
        response = post(staff_client, {"continuationToken": token, "orderBy": [{"field": "name"}]})
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert list(response.json()["errors"]) == ["continuationToken"]

    @pytest.mark.parametrize("token", ["garbage", "x" * 300, ""])
    def test_a_forged_or_garbled_token_is_refused(self, staff_client, business, token):
        PhoneNumberFactory(business=business)
        response = post(staff_client, {"continuationToken": token})
        if token == "":
            assert response.status_code == HTTPStatus.OK  # empty means "first page", as GET
        else:
            assert response.status_code == HTTPStatus.BAD_REQUEST
            assert list(response.json()["errors"]) == ["continuationToken"]

    def test_a_token_of_another_list_is_refused(self, staff_client, business, member):
        # Business lists sign their tokens for businesses: not a position among numbers.
        BusinessFactory.create_batch(2)
        token = staff_client.get("/businesses", {"pageSize": 1}).json()["continuationToken"]
        response = post(staff_client, {"continuationToken": token})
        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_exact_filters_on_one_field_match_either_value(self, staff_client):
        PhoneNumberFactory(name="A", status=PhoneNumberStatus.ACTIVE)
        PhoneNumberFactory(name="S", status=PhoneNumberStatus.SUSPENDED)
        PhoneNumberFactory(name="E", status=PhoneNumberStatus.EXPIRED)
        body = {
            "filters": [
                {"field": "status", "value": "Active"},
                {"field": "status", "value": "Suspended"},
            ],
            "orderBy": [{"field": "name"}],
        }
        assert names(listed(staff_client, body)) == ["A", "S"]

    def test_boolean_filters_take_json_booleans(self, staff_client):
        PhoneNumberFactory(name="On", enabled=True)
        PhoneNumberFactory(name="Off", enabled=False)
        body = {"filters": [{"field": "enabled", "value": False}]}
        assert names(listed(staff_client, body)) == ["Off"]

    def test_range_filters_are_inclusive(self, staff_client):
        for minute in (0, 10, 20):
            PhoneNumberFactory(name=f"M{minute}", created_at=at(minute))
        body = {
            "rangeFilters": [
                {
                    "field": "createdAt",
                    "greaterThanOrEqual": at(10).isoformat(),
                    "lessThanOrEqual": at(20).isoformat(),
                }
            ]
        }
        assert names(listed(staff_client, body)) == ["M20", "M10"]

    def test_an_empty_body_is_the_first_page_in_the_default_order(self, staff_client):
        PhoneNumberFactory(name="Old", created_at=at(0))
        PhoneNumberFactory(name="New", created_at=at(1))
        body = listed(staff_client, {})
        assert names(body) == ["New", "Old"]
        assert (body["pageSize"], body["totalCount"]) == (50, None)

    def test_a_page_costs_what_a_get_page_costs(self, staff_client, business):
        PhoneNumberFactory.create_batch(3, business=business)
        staff_client.get("/phone-numbers")  # warm caches (content types, key lookup SQL)
        with CaptureQueriesContext(connection) as get_queries:
            staff_client.get("/phone-numbers")
        with CaptureQueriesContext(connection) as post_queries:
            post(staff_client, {})
        assert len(post_queries) == len(get_queries)


class TestTenancy:
    def test_a_tenant_lists_only_its_business_numbers(
        self, member_client, business, other_business
    ):
        PhoneNumberFactory(business=business, name="Mine")
        PhoneNumberFactory(business=other_business, name="Theirs")
        PhoneNumberFactory(name="Pool")
        body = listed(member_client, {"includeCount": True})
        assert names(body) == ["Mine"]
        assert body["totalCount"] == 1

    def test_filtering_on_another_business_finds_nothing(
        self, member_client, business, other_business
    ):
        PhoneNumberFactory(business=other_business, name="Theirs")
        for field in ("organizationId", "businessId"):
            body = {
                "filters": [{"field": field, "value": str(other_business.pk)}],
                "includeCount": True,
            }
            answer = listed(member_client, body)
            assert answer["items"] == [] and answer["totalCount"] == 0

    def test_searching_for_another_business_number_finds_nothing(
        self, member_client, other_business
    ):
        PhoneNumberFactory(business=other_business, number="+14155552671", name="Theirs")
        assert listed(member_client, {"search": "+1 415 555 2671"})["items"] == []
        assert listed(member_client, {"search": "Theirs"})["items"] == []

    def test_a_token_from_another_tenant_does_not_reveal_its_numbers(
        self, member_client, business, other_business
    ):
        other = UserFactory()
        MembershipFactory(user=other, business=other_business)
        for index in range(3):
            PhoneNumberFactory(
                business=other_business, name=f"Theirs {index}", created_at=at(index)
            )
        PhoneNumberFactory(business=business, name="Mine", created_at=at(-10))
        token = listed(client_for(other), {"pageSize": 1})["continuationToken"]
        # A position in the list, valid for any caller: it only continues the caller's own.
        body = listed(member_client, {"continuationToken": token})
        assert names(body) == ["Mine"]

    def test_without_a_key_or_with_a_bad_one_is_401(self, business):
        PhoneNumberFactory(business=business)
        bad_key = APIClient()
        bad_key.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-key")
        for client in (APIClient(), bad_key):
            response = post(client, {})
            assert response.status_code == HTTPStatus.UNAUTHORIZED
            assert response["WWW-Authenticate"].startswith("Bearer")


class TestBadRequests:
    def test_unknown_fields_are_refused(self, staff_client, seed_problem):
        errors = seed_problem(post(staff_client, {"pageSize": 5, "sort": "name"}))
        assert list(errors) == ["sort"]

    def test_unknown_filter_range_and_order_fields_are_refused_together(
        self, staff_client, seed_problem
    ):
        body = {
            "filters": [{"field": "colour", "value": "red"}],
            "rangeFilters": [{"field": "deletedAt", "lessThanOrEqual": "2024-01-01T00:00:00Z"}],
            "searchFields": ["name"],
        }
        errors = seed_problem(post(staff_client, body))
        assert set(errors) == {"filters[0].field", "rangeFilters[0].field", "searchFields"}

    def test_bad_values_are_named_by_their_place_in_the_body_and_reported_together(
        self, staff_client, seed_problem
    ):
        body = {
            "filters": [
                {"field": "status", "value": "Active"},
                {"field": "inventoryState", "value": "Lost"},
                {"field": "provider", "value": ""},
            ],
            "rangeFilters": [{"field": "createdAt", "greaterThanOrEqual": "yesterday"}],
            "orderBy": [{"field": "colour"}],
            "includeCount": True,
        }
        errors = seed_problem(post(staff_client, body))
        assert set(errors) == {
            "filters[1].value",
            "filters[2].value",
            "rangeFilters[0].greaterThanOrEqual",
            "orderBy",
        }

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"pageSize": "5"}, "pageSize"),
            ({"pageSize": 501}, "pageSize"),
            ({"pageSize": True}, "pageSize"),
            ({"includeCount": "yes"}, "includeCount"),
            ({"orderBy": "name"}, "orderBy"),
            ({"orderBy": [None]}, "orderBy[0]"),
            ({"filters": [None]}, "filters[0]"),
            ({"rangeFilters": [None]}, "rangeFilters[0]"),
            ({"orderBy": [{"field": "name", "direction": "up"}]}, "orderBy[0].direction"),
            ({"filters": [{"field": "status"}]}, "filters[0].value"),
            ({"filters": [{"field": "status", "value": 3}]}, "filters[0].value"),
            ({"filters": [{"field": "status", "value": None}]}, "filters[0].value"),
            ({"rangeFilters": [{"field": "createdAt"}]}, "rangeFilters[0]"),
            (
                {"rangeFilters": [{"field": "createdAt", "greaterThan": "2024-01-01T00:00:00Z"}]},
                "rangeFilters[0].greaterThan",
            ),
            ({"search": ""}, "search"),
            ({"search": 5}, "search"),
        ],
    )
    def test_bad_option_is_400_naming_it(self, staff_client, seed_problem, body, field):
        assert list(seed_problem(post(staff_client, body))) == [field]

    @pytest.mark.parametrize("body", [[], "x", 5])
    def test_a_body_that_is_not_an_object_is_400(self, staff_client, body):
        response = staff_client.post(URL, body, format="json")
        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_bad_requests_change_nothing(self, staff_client, business, unchanged_db):
        PhoneNumberFactory(business=business)
        with unchanged_db():
            response = post(staff_client, {"filters": [{"field": "colour", "value": "red"}]})
        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_get_is_405(self, staff_client):
        response = staff_client.get(URL)
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert PhoneNumber.objects.count() == 0
