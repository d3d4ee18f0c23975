"""GET /phone-numbers: filters, search, ordering, keyset paging, tenancy and query cost."""

import base64
import copy
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus

import jsonschema
import pytest
from django.core import signing
from rest_framework.test import APIClient

from businesses.models import Business
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)
from tests.conftest import client_for
from tests.factories import (
    BusinessFactory,
    MembershipFactory,
    PhoneNumberFactory,
    UserFactory,
)

URL = "/phone-numbers"
ENVELOPE_KEYS = {"items", "pageSize", "totalCount", "continuationToken"}
T0 = datetime(2024, 1, 1, tzinfo=UTC)
SORT_FIELDS = [
    "createdAt",
    "modifiedAt",
    "name",
    "number",
    "warmupHealthScore",
    "warmupProgressPercent",
]
pytestmark = pytest.mark.django_db


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def get(client, params=None):
    return client.get(URL, params or {})


def page(client, params=None) -> dict:
    response = get(client, params)
    assert response.status_code == HTTPStatus.OK, response.content
    body = response.json()
    assert set(body) == ENVELOPE_KEYS
    return body


def ids(body: dict) -> list[str]:
    return [item["id"] for item in body["items"]]


def pks(*rows) -> set[str]:
    return {str(row.pk) for row in rows}


def found(client, params=None) -> set[str]:
    """The ids of every row the query selects (all on one page)."""
    body = page(client, {**(params or {}), "pageSize": 500})
    assert body["continuationToken"] is None
    return set(ids(body))


def walk(client, params=None, *, page_size: int) -> list[dict]:
    """Every item of every page, following continuation tokens until the last page."""
    items: list[dict] = []
    token = None
    for _ in range(1000):
        query = {**(params or {}), "pageSize": page_size}
        if token is not None:
            query["continuationToken"] = token
        body = page(client, query)
        assert body["pageSize"] == page_size
        items += body["items"]
        token = body["continuationToken"]
        if token is None:
            assert len(body["items"]) <= page_size
            return items
        # Keyset pages are full until the last one.
        assert len(body["items"]) == page_size
    raise AssertionError("paging never reached a page without continuationToken")


def assert_bad_parameter(response, name: str) -> dict:
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert problem["status"] == 400
    assert problem["instance"].startswith(URL)
    assert name in problem["errors"], problem
    messages = problem["errors"][name]
    assert messages and all(isinstance(m, str) and m for m in messages)
    assert name in problem["detail"]
    return problem


def sort_value(item: dict, field: str):
    value = item[field]
    if value is None:
        return None
    if field in ("createdAt", "modifiedAt"):
        return datetime.fromisoformat(value)
    if field in ("warmupHealthScore", "warmupProgressPercent"):
        return int(value)
    return value


def assert_sorted(items: list[dict], order_by: str) -> None:
    """Each item sorts at or after the previous one; nulls sort last in both directions."""
    fields = [(part.lstrip("-"), part.startswith("-")) for part in order_by.split(",")]

    def compare(a: dict, b: dict) -> int:
        for field, desc in fields:
            x, y = sort_value(a, field), sort_value(b, field)
            if x == y:
                continue
            if x is None:
                return 1
            if y is None:
                return -1
            return (-1 if x > y else 1) if desc else (-1 if x < y else 1)
        return 0

    for before, after in itertools.pairwise(items):
        assert compare(before, after) <= 0, (order_by, before["id"], after["id"])


@pytest.fixture
def varied(business, other_business) -> list:
    """23 rows with many ties and nulls in every sortable column."""
    owners = [None, business, other_business]
    assigned_states = [
        InventoryState.ASSIGNED,
        InventoryState.SUSPENDED,
        InventoryState.READY_FOR_SMS,
    ]
    statuses = [PhoneNumberStatus.ACTIVE, PhoneNumberStatus.SUSPENDED, PhoneNumberStatus.EXPIRED]
    warmup = [WarmupHealthState.WARMING, WarmupHealthState.READY, WarmupHealthState.PAUSED]
    rows = []
    for i in range(23):
        owner = owners[i % 3]
        rows.append(
            PhoneNumberFactory(
                business=owner,
                inventory_state=(
                    InventoryState.AVAILABLE if owner is None else assigned_states[(i // 3) % 3]
                ),
                name=["alpha", "bravo", "alpha", "charlie"][i % 4],
                status=statuses[(i // 2) % 3],
                created_at=at(i // 4),  # groups of four share a creation time
                modified_at=None if i % 2 else at(100 + i // 5),  # half never modified
                warmup_state=None if i % 5 == 0 else warmup[i % 3],
                health_status=None if i % 4 == 1 else warmup[(i // 4) % 3],
                warmup_health_score=(i * 7) % 4 * 10,
                warmup_progress_percent=(i % 3) * 50,
            )
        )
    return rows


@pytest.fixture(scope="module")
def summary_validator(contract) -> jsonschema.Draft202012Validator:
    """The contract's PhoneNumberResponse without `events`: what a list item must be."""
    schema = copy.deepcopy(contract)
    summary = schema["$defs"]["PhoneNumberResponse"]
    del summary["properties"]["events"]
    summary["required"] = [name for name in summary["required"] if name != "events"]
    return jsonschema.Draft202012Validator(
        {**schema, "$ref": "#/$defs/PhoneNumberResponse"},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


class TestEnvelope:
    def test_empty_inventory_is_an_empty_last_page(self, staff_client):
        body = page(staff_client)

        assert body == {"items": [], "pageSize": 50, "totalCount": None, "continuationToken": None}

    def test_unauthenticated_request_is_a_401(self, db):
        response = APIClient().get(URL)

        assert response.status_code == HTTPStatus.UNAUTHORIZED
        assert response["Content-Type"] == "application/problem+json"

    def test_default_page_size_is_50_and_the_last_page_has_no_token(self, staff_client):
        for i in range(51):
            PhoneNumberFactory(created_at=at(i))

        first = page(staff_client)
        second = page(staff_client, {"continuationToken": first["continuationToken"]})

        assert first["pageSize"] == 50
        assert len(first["items"]) == 50
        assert isinstance(first["continuationToken"], str) and first["continuationToken"]
        assert first["totalCount"] is None
        assert len(second["items"]) == 1
        assert second["continuationToken"] is None

    def test_page_that_holds_exactly_the_remaining_rows_is_the_last(self, staff_client):
        for _ in range(5):
            PhoneNumberFactory()

        body = page(staff_client, {"pageSize": 5})

        assert len(body["items"]) == 5
        assert body["continuationToken"] is None

    @pytest.mark.parametrize("size", [1, 7, 500])
    def test_page_size_is_honoured_and_echoed(self, staff_client, size):
        for _ in range(8):
            PhoneNumberFactory()

        body = page(staff_client, {"pageSize": size})

        assert body["pageSize"] == size
        assert len(body["items"]) == min(size, 8)
        assert (body["continuationToken"] is None) == (size >= 8)

    @pytest.mark.parametrize(
        "size",
        [
            "0",
            "501",
            "x",
            "-1",
            "1.5",
            "1e2",
            "10000000000000000000",
            "1" + "0" * 5_000,  # past int()'s 4,300-digit limit
            "5_0",  # int() reads 50
            "+5",
            " 5",
            "05",
            "\uff15",  # fullwidth 5: int() reads 5
            "1\u0660",  # 1 and an Arabic-Indic 0: int() reads 10
        ],
    )
    def test_bad_page_size_is_a_400(self, staff_client, size):
        PhoneNumberFactory()

        assert_bad_parameter(get(staff_client, {"pageSize": size}), "pageSize")

    @pytest.mark.parametrize("flag", ["true", "1"])
    def test_include_count_counts_the_filtered_set_not_the_page(self, staff_client, flag):
        for _ in range(5):
            PhoneNumberFactory(status=PhoneNumberStatus.ACTIVE)
        for _ in range(3):
            PhoneNumberFactory(status=PhoneNumberStatus.EXPIRED)

        first = page(staff_client, {"status": "Active", "pageSize": 2, "includeCount": flag})
        second = page(
            staff_client,
            {
                "status": "Active",
                "pageSize": 2,
                "includeCount": flag,
                "continuationToken": first["continuationToken"],
            },
        )

        assert first["totalCount"] == 5
        assert second["totalCount"] == 5
        assert page(staff_client, {"includeCount": flag})["totalCount"] == 8

    @pytest.mark.parametrize("params", [{}, {"includeCount": "false"}, {"includeCount": "0"}])
    def test_total_count_is_null_unless_asked_for(self, staff_client, params):
        PhoneNumberFactory()

        assert page(staff_client, params)["totalCount"] is None

    def test_include_count_of_an_empty_selection_is_zero(self, staff_client):
        PhoneNumberFactory(status=PhoneNumberStatus.ACTIVE)

        body = page(staff_client, {"status": "Expired", "includeCount": "true"})

        assert body["items"] == []
        assert body["totalCount"] == 0

    @pytest.mark.parametrize("flag", ["yes", "2", "maybe"])
    def test_bad_include_count_is_a_400(self, staff_client, flag):
        assert_bad_parameter(get(staff_client, {"includeCount": flag}), "includeCount")


class TestItems:
    def test_items_are_the_contract_representation_without_events(
        self, staff_client, contract, summary_validator, business, staff_user
    ):
        PhoneNumberFactory()
        PhoneNumberFactory(business=business, user=staff_user, modified_at=at(5))

        items = page(staff_client)["items"]

        response = contract["$defs"]["PhoneNumberResponse"]
        required = set(response["required"]) - {"events"}
        declared = set(response["properties"]) - {"events"}
        assert len(items) == 2
        for item in items:
            assert required <= set(item) <= declared
            errors = sorted(summary_validator.iter_errors(item), key=lambda e: list(e.path))
            assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)

    def test_item_equals_the_detail_representation_without_events(
        self, staff_client, business, staff_user
    ):
        number = PhoneNumberFactory(
            number="+14155552671",
            name="Front desk",
            business=business,
            user=staff_user,
            provider="telnyx",
            status=PhoneNumberStatus.ACTIVE,
            warmup_state=WarmupHealthState.WARMING,
            health_status=WarmupHealthState.HEALTHY,
            warmup_health_score=80,
            warmup_progress_percent=40,
            is_default=True,
            modified_at=at(10),
        )
        number.ten_dlc.campaign_status = "Approved"
        number.ten_dlc.save()
        number.billing.business = business
        number.billing.user = staff_user
        number.billing.monthly_amount = "1.50"
        number.billing.save()

        (item,) = page(staff_client)["items"]
        detail = staff_client.get(f"{URL}/{number.pk}").json()

        assert "events" not in item
        assert item == {key: value for key, value in detail.items() if key != "events"}
        assert item["business"] == {"id": str(business.pk), "name": "Acme Roofing"}
        assert item["user"]["id"] == str(staff_user.pk)
        assert item["tenDlc"]["campaignStatus"] == "Approved"
        assert item["billing"]["businessName"] == "Acme Roofing"
        assert item["billing"]["monthlyAmount"] == "1.50"
        assert item["warmupHealthScore"] == "80"


class TestFilters:
    @pytest.mark.parametrize(
        ("param", "field", "wanted", "other"),
        [
            ("inventoryState", "inventory_state", "Suspended", "Restricted"),
            ("inventoryState", "inventory_state", "Ready for SMS", "Ready for voice"),
            ("status", "status", "Active", "Expired"),
            ("warmupState", "warmup_state", "Not Started", "Paused"),
            ("healthStatus", "health_status", "Needs Attention", "Healthy"),
        ],
    )
    def test_vocabulary_filter_selects_only_that_value(
        self, staff_client, param, field, wanted, other
    ):
        hits = [PhoneNumberFactory(**{field: wanted}) for _ in range(2)]
        PhoneNumberFactory(**{field: other})
        if field in ("warmup_state", "health_status"):
            PhoneNumberFactory(**{field: None})

        assert found(staff_client, {param: wanted}) == pks(*hits)

    @pytest.mark.parametrize(
        ("param", "field", "values", "other"),
        [
            ("status", "status", ["Active", "Suspended"], "Expired"),
            ("inventoryState", "inventory_state", ["Suspended", "Failed"], "Restricted"),
            ("warmupState", "warmup_state", ["Warming", "Blocked"], "Ready"),
            ("healthStatus", "health_status", ["Healthy", "Paused"], "Blocked"),
        ],
    )
    def test_repeated_vocabulary_filter_matches_any_of_its_values(
        self, staff_client, param, field, values, other
    ):
        hits = [PhoneNumberFactory(**{field: value}) for value in values]
        PhoneNumberFactory(**{field: other})

        assert found(staff_client, {param: values}) == pks(*hits)

    def test_assigned_and_available_inventory_can_be_asked_for_together(
        self, staff_client, business
    ):
        pool = PhoneNumberFactory()
        assigned = PhoneNumberFactory(business=business)
        PhoneNumberFactory(inventory_state=InventoryState.RELEASED)

        assert found(staff_client, {"inventoryState": ["Available", "Assigned"]}) == pks(
            pool, assigned
        )

    @pytest.mark.parametrize(
        ("param", "field"),
        [
            ("enabled", "enabled"),
            ("isInternalPool", "is_internal_pool"),
            ("isDefault", "is_default"),
        ],
    )
    @pytest.mark.parametrize(
        ("raw", "value"), [("true", True), ("1", True), ("false", False), ("0", False)]
    )
    def test_boolean_filter(self, staff_client, business, param, field, raw, value):
        yes = PhoneNumberFactory(business=business, **{field: True})
        no = PhoneNumberFactory(business=business, **{field: False})

        assert found(staff_client, {param: raw}) == pks(yes if value else no)

    def test_provider_filter_matches_the_provider_exactly(self, staff_client):
        telnyx = PhoneNumberFactory(provider="telnyx")
        PhoneNumberFactory(provider="twilio")
        PhoneNumberFactory(provider="telnyx-legacy")
        PhoneNumberFactory(provider=None)

        assert found(staff_client, {"provider": "telnyx"}) == pks(telnyx)

    def test_ten_dlc_campaign_status_filter(self, staff_client):
        approved = PhoneNumberFactory()
        pending = PhoneNumberFactory()
        PhoneNumberFactory()  # no campaign status at all
        for number, status in ((approved, "Approved"), (pending, "Pending")):
            number.ten_dlc.campaign_status = status
            number.ten_dlc.save()

        assert found(staff_client, {"tenDlcCampaignStatus": "Approved"}) == pks(approved)
        assert found(staff_client, {"tenDlcCampaignStatus": "Pending"}) == pks(pending)
        assert found(staff_client, {"tenDlcCampaignStatus": "Rejected"}) == set()

    def test_business_id_filter(self, staff_client, business, other_business):
        mine = [PhoneNumberFactory(business=business) for _ in range(2)]
        PhoneNumberFactory(business=other_business)
        PhoneNumberFactory()

        assert found(staff_client, {"businessId": str(business.pk)}) == pks(*mine)

    def test_business_id_of_no_business_selects_nothing(self, staff_client, business):
        PhoneNumberFactory(business=business)

        body = page(staff_client, {"businessId": str(uuid.uuid4()), "includeCount": "true"})

        assert body["items"] == []
        assert body["totalCount"] == 0

    @pytest.mark.parametrize(
        "fmt",
        [
            lambda dt: dt.isoformat(),
            lambda dt: dt.isoformat().replace("+00:00", "Z"),
            lambda dt: dt.astimezone(timezone(timedelta(hours=2))).isoformat(),
            lambda dt: dt.astimezone(timezone(timedelta(hours=-5))).isoformat(),
        ],
        ids=["offset", "zulu", "plus-two", "minus-five"],
    )
    def test_created_at_range_is_inclusive_at_both_ends(self, staff_client, fmt):
        rows = [
            PhoneNumberFactory(created_at=at(i) + timedelta(microseconds=123456)) for i in range(4)
        ]
        start, end = rows[1].created_at, rows[2].created_at

        assert found(staff_client, {"createdAtFrom": fmt(start), "createdAtTo": fmt(end)}) == pks(
            rows[1], rows[2]
        )
        assert found(staff_client, {"createdAtFrom": fmt(start)}) == pks(*rows[1:])
        assert found(staff_client, {"createdAtTo": fmt(end)}) == pks(*rows[:3])
        just_after = end + timedelta(microseconds=1)
        assert found(staff_client, {"createdAtFrom": fmt(just_after)}) == pks(rows[3])

    def test_modified_at_range_is_inclusive_and_never_matches_unmodified_rows(self, staff_client):
        PhoneNumberFactory(modified_at=None)
        rows = [PhoneNumberFactory(modified_at=at(10 * i)) for i in range(1, 4)]

        assert found(
            staff_client,
            {"modifiedAtFrom": at(10).isoformat(), "modifiedAtTo": at(20).isoformat()},
        ) == pks(rows[0], rows[1])
        assert found(staff_client, {"modifiedAtFrom": at(0).isoformat()}) == pks(*rows)
        assert found(staff_client, {"modifiedAtTo": at(30).isoformat()}) == pks(*rows)

    def test_empty_date_range_selects_nothing(self, staff_client):
        PhoneNumberFactory(created_at=at(5))

        params = {"createdAtFrom": at(6).isoformat(), "createdAtTo": at(4).isoformat()}

        assert found(staff_client, params) == set()

    def test_filters_combine_with_and(self, staff_client, business, other_business):
        hit = PhoneNumberFactory(
            business=business, status=PhoneNumberStatus.ACTIVE, enabled=False, provider="telnyx"
        )
        PhoneNumberFactory(business=business, status=PhoneNumberStatus.ACTIVE, enabled=True)
        PhoneNumberFactory(business=business, status=PhoneNumberStatus.EXPIRED, enabled=False)
        PhoneNumberFactory(
            business=other_business,
            status=PhoneNumberStatus.ACTIVE,
            enabled=False,
            provider="telnyx",
        )

        params = {
            "businessId": str(business.pk),
            "status": ["Active", "Suspended"],
            "enabled": "false",
            "provider": "telnyx",
        }

        assert found(staff_client, params) == pks(hit)

    @pytest.mark.parametrize(
        ("param", "value"),
        [
            ("inventoryState", "Nope"),
            ("inventoryState", "assigned"),
            ("status", "Bogus"),
            ("status", "active"),
            ("status", "Active,Suspended"),
            ("status", ["Active", "Bogus"]),
            ("warmupState", "Cold"),
            ("healthStatus", "Sick"),
            ("businessId", "not-a-uuid"),
            ("businessId", "123"),
            ("enabled", "yes"),
            ("enabled", "2"),
            ("isInternalPool", "no"),
            ("isDefault", "on"),
            ("createdAtFrom", "yesterday"),
            ("createdAtTo", "2024-13-01T00:00:00Z"),
            ("modifiedAtFrom", "2024-01-01T25:00:00Z"),
            ("modifiedAtTo", "1700000000"),
            # UTC offsets PostgreSQL refuses (it would fail the query: a 500).
            ("createdAtFrom", "2024-01-01T00:00:00+16:00"),
            ("createdAtTo", "2024-01-01T00:00:00-16:00"),
            ("modifiedAtFrom", "2024-01-01T00:00:00+23:59"),
        ],
    )
    def test_bad_filter_value_is_a_400_on_that_parameter(self, staff_client, param, value):
        PhoneNumberFactory()

        assert_bad_parameter(get(staff_client, {param: value}), param)

    @pytest.mark.parametrize("offset", ["+15:59", "-15:59", "+14:00", "Z"])
    def test_utc_offsets_up_to_15_59_are_read(self, staff_client, offset):
        number = PhoneNumberFactory()

        assert found(staff_client, {"createdAtFrom": f"2000-01-01T00:00:00{offset}"}) == pks(number)

    @pytest.mark.parametrize(
        ("param", "value"),
        [
            ("createdAtTo", ""),
            ("createdAtFrom", " "),
            ("modifiedAtFrom", ""),
            ("status", ""),
            ("status", ["Active", ""]),
            ("inventoryState", ""),
            ("enabled", ""),
            ("isDefault", ""),
            ("businessId", ""),
            ("provider", ""),
            ("tenDlcCampaignStatus", ""),
            ("search", ""),
        ],
    )
    def test_empty_filter_value_is_a_400_not_no_filter(self, staff_client, param, value):
        PhoneNumberFactory()

        problem = assert_bad_parameter(get(staff_client, {param: value}), param)

        assert problem["errors"][param] == [
            "Must not be empty: give a value, or leave the parameter out for no filter."
        ]

    @pytest.mark.parametrize(
        "param", ["foo", "business_id", "page", "limit", "offset", "orderby", "Status", "events"]
    )
    def test_unknown_query_parameter_is_a_400_naming_it(self, staff_client, param):
        PhoneNumberFactory()

        problem = assert_bad_parameter(get(staff_client, {param: "1", "status": "Active"}), param)

        assert set(problem["errors"]) == {param}

    def test_unknown_and_bad_parameters_are_reported_together(self, staff_client):
        response = get(staff_client, {"colour": "red", "status": "Bogus", "enabled": "yes"})

        problem = assert_bad_parameter(response, "colour")
        assert set(problem["errors"]) == {"colour", "status", "enabled"}


class TestSearch:
    @pytest.fixture
    def numbers(self) -> dict:
        return {
            "front": PhoneNumberFactory(number="+14155552671", name="Front desk"),
            "sales": PhoneNumberFactory(number="+14155550100", name="Sales"),
            "line": PhoneNumberFactory(number="+16505550123", name="Line 415"),
            "overseas": PhoneNumberFactory(number="+8614155552671", name="Overseas"),
            "london": PhoneNumberFactory(number="+442071838750", name="London office"),
        }

    @pytest.mark.parametrize(
        "text", ["415555", "(415) 555", "+1 415-555", "415-555", "415.555", "  415555  "]
    )
    def test_first_digits_in_any_format_match_numbers_starting_with_them(
        self, staff_client, numbers, text
    ):
        # +8614155552671 holds the same digits, but in the middle: not an area code.
        assert found(staff_client, {"search": text}) == pks(numbers["front"], numbers["sales"])

    @pytest.mark.parametrize("text", ["2671", "555-2671", "5552671"])
    def test_last_digits_match_numbers_ending_with_them(self, staff_client, numbers, text):
        assert found(staff_client, {"search": text}) == pks(numbers["front"], numbers["overseas"])

    def test_digits_after_a_plus_match_a_country_code(self, staff_client, numbers):
        assert found(staff_client, {"search": "+44 20"}) == pks(numbers["london"])
        assert found(staff_client, {"search": "+415"}) == set()

    @pytest.mark.parametrize(
        "text",
        [
            "(415) 555-2671",
            "+1 415 555 2671",
            "415.555.2671",
            "4155552671",
            "+14155552671",
            "1-415-555-2671",
            " +1 (415) 555-2671 ",
        ],
    )
    def test_complete_number_in_any_format_matches_exactly(self, staff_client, numbers, text):
        # +8614155552671 contains the same digits but is another number.
        assert found(staff_client, {"search": text}) == pks(numbers["front"])

    def test_complete_international_number_with_trunk_prefix_matches(self, staff_client, numbers):
        assert found(staff_client, {"search": "+44 (0)20 7183 8750"}) == pks(numbers["london"])

    @pytest.mark.parametrize(
        ("text", "key"),
        [("front", "front"), ("FRONT DESK", "front"), ("ales", "sales"), ("OnDoN oFf", "london")],
    )
    def test_name_matches_as_a_case_insensitive_substring(self, staff_client, numbers, text, key):
        assert found(staff_client, {"search": text}) == pks(numbers[key])

    def test_search_matches_the_name_or_the_number(self, staff_client, numbers):
        assert found(staff_client, {"search": "415"}) == pks(
            numbers["front"], numbers["sales"], numbers["line"]
        )

    def test_fewer_than_three_digits_search_only_names(self, staff_client, numbers):
        assert found(staff_client, {"search": "41"}) == pks(numbers["line"])

    @pytest.mark.parametrize("text", ["%", "_", "zzz", "999999", "+1 999 999 9999", "'; --"])
    def test_search_without_a_match_is_empty(self, staff_client, numbers, text):
        body = page(staff_client, {"search": text, "includeCount": "true"})

        assert body["items"] == []
        assert body["totalCount"] == 0

    def test_search_combines_with_filters(self, staff_client, numbers, business):
        assigned = PhoneNumberFactory(number="+14155550199", name="Desk", business=business)

        assert found(staff_client, {"search": "415555", "businessId": str(business.pk)}) == pks(
            assigned
        )


class TestOrdering:
    def test_default_order_is_newest_first(self, staff_client):
        rows = {i: PhoneNumberFactory(created_at=at(i)) for i in (3, 0, 4, 1, 2)}

        body = page(staff_client)

        assert ids(body) == [str(rows[i].pk) for i in (4, 3, 2, 1, 0)]

    @pytest.mark.parametrize(
        ("order_by", "expected"),
        [
            ("name", ["alpha", "bravo", "charlie", "delta"]),
            ("-name", ["delta", "charlie", "bravo", "alpha"]),
            ("createdAt", ["charlie", "alpha", "delta", "bravo"]),
            ("-createdAt", ["bravo", "delta", "alpha", "charlie"]),
        ],
    )
    def test_order_by_one_field_either_way(self, staff_client, order_by, expected):
        for minutes, name in ((1, "alpha"), (3, "bravo"), (0, "charlie"), (2, "delta")):
            PhoneNumberFactory(name=name, created_at=at(minutes))

        names = [item["name"] for item in page(staff_client, {"orderBy": order_by})["items"]]

        assert names == expected

    def test_order_by_several_fields(self, staff_client):
        for minutes, name in ((0, "b"), (0, "a"), (1, "c"), (1, "a"), (2, "b")):
            PhoneNumberFactory(name=name, created_at=at(minutes))

        body = page(staff_client, {"orderBy": "-createdAt,name"})

        assert [(item["createdAt"][14:16], item["name"]) for item in body["items"]] == [
            ("02", "b"),
            ("01", "a"),
            ("01", "c"),
            ("00", "a"),
            ("00", "b"),
        ]

    def test_order_by_score_then_name_descending(self, staff_client):
        for score, name in ((90, "a"), (10, "a"), (90, "b"), (10, "c")):
            PhoneNumberFactory(warmup_health_score=score, name=name)

        body = page(staff_client, {"orderBy": "warmupHealthScore,-name"})

        assert [(item["warmupHealthScore"], item["name"]) for item in body["items"]] == [
            ("10", "c"),
            ("10", "a"),
            ("90", "b"),
            ("90", "a"),
        ]

    @pytest.mark.parametrize(
        "field", ["inventoryState", "status", "-warmupState", "healthStatus", "name,status"]
    )
    def test_states_are_filtered_on_not_sorted_by(self, staff_client, field):
        # Each would take an index of its own (filters.PHONE_NUMBER_SORT_FIELDS).
        problem = assert_bad_parameter(get(staff_client, {"orderBy": field}), "orderBy")

        assert "Sortable fields: createdAt" in problem["errors"]["orderBy"][0]

    def test_nulls_sort_last_in_both_directions(self, staff_client):
        never = PhoneNumberFactory(modified_at=None)
        early = PhoneNumberFactory(modified_at=at(1))
        late = PhoneNumberFactory(modified_at=at(2))

        assert ids(page(staff_client, {"orderBy": "modifiedAt"})) == [
            str(early.pk),
            str(late.pk),
            str(never.pk),
        ]
        assert ids(page(staff_client, {"orderBy": "-modifiedAt"})) == [
            str(late.pk),
            str(early.pk),
            str(never.pk),
        ]

    @pytest.mark.parametrize(
        ("order_by", "field"),
        [
            ("colour", "colour"),
            ("-colour", "colour"),
            ("name,colour", "colour"),
            ("created_at", "created_at"),
            ("events", "events"),
            ("businessId", "businessId"),
        ],
    )
    def test_unknown_order_field_is_a_400_on_order_by(self, staff_client, order_by, field):
        PhoneNumberFactory()

        problem = assert_bad_parameter(get(staff_client, {"orderBy": order_by}), "orderBy")

        assert field in problem["errors"]["orderBy"][0]

    @pytest.mark.parametrize("field", SORT_FIELDS)
    @pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
    def test_every_sort_field_sorts(self, staff_client, varied, field, desc):
        order_by = f"-{field}" if desc else field

        body = page(staff_client, {"orderBy": order_by, "pageSize": 500})

        assert len(body["items"]) == len(varied)
        assert_sorted(body["items"], order_by)


class TestKeysetPaging:
    @pytest.mark.parametrize(
        "order_by",
        [
            *SORT_FIELDS,
            *[f"-{field}" for field in SORT_FIELDS],
            "-createdAt,name",
            "warmupHealthScore,-name",
            "modifiedAt,-name",
            "-modifiedAt,name",
            "name,-modifiedAt",
            "-warmupProgressPercent,-createdAt",
            "-warmupHealthScore,modifiedAt,number",
        ],
    )
    @pytest.mark.parametrize("page_size", [1, 4])
    def test_walking_every_page_returns_every_row_once_in_order(
        self, staff_client, varied, order_by, page_size
    ):
        walked = walk(staff_client, {"orderBy": order_by}, page_size=page_size)
        whole = page(staff_client, {"orderBy": order_by, "pageSize": 500})["items"]

        walked_ids = [item["id"] for item in walked]
        assert len(walked_ids) == len(set(walked_ids)), "a row came twice"
        assert set(walked_ids) == pks(*varied), "a row was skipped"
        assert walked_ids == ids({"items": whole})
        assert_sorted(walked, order_by)

    def test_walking_with_the_default_order(self, staff_client, varied):
        walked = [item["id"] for item in walk(staff_client, page_size=3)]

        assert sorted(walked) == sorted(pks(*varied))
        assert walked == ids(page(staff_client, {"pageSize": 500}))

    @pytest.mark.parametrize(
        "order_by",
        [
            "createdAt",
            "-createdAt",
            "name",
            "-name",
            "warmupHealthScore",
            "modifiedAt",
            "-modifiedAt",
        ],
    )
    def test_rows_that_tie_on_every_sort_value_are_each_returned_once(self, staff_client, order_by):
        rows = [
            PhoneNumberFactory(name="same", status="Active", created_at=at(0), modified_at=None)
            for _ in range(12)
        ]

        walked = [item["id"] for item in walk(staff_client, {"orderBy": order_by}, page_size=5)]

        assert len(walked) == 12
        assert set(walked) == pks(*rows)

    def test_walking_a_filtered_selection_keeps_the_filter(self, staff_client, varied):
        expected = {str(row.pk) for row in varied if row.status == PhoneNumberStatus.ACTIVE}

        walked = walk(staff_client, {"status": "Active", "orderBy": "name"}, page_size=2)

        assert len(walked) == len(expected)
        assert {item["id"] for item in walked} == expected
        assert {item["status"] for item in walked} == {"Active"}

    def test_rows_created_while_paging_do_not_shift_later_pages(self, staff_client):
        rows = [PhoneNumberFactory(created_at=at(i)) for i in range(6)]
        first = page(staff_client, {"pageSize": 2})

        PhoneNumberFactory(created_at=at(10))  # newer than every page already read

        rest = walk(staff_client, {"continuationToken": first["continuationToken"]}, page_size=2)
        assert ids(first) + [item["id"] for item in rest] == [str(r.pk) for r in reversed(rows)]

    @pytest.mark.parametrize("other", [{"orderBy": "-name"}, {"orderBy": "name,createdAt"}, {}])
    def test_token_of_another_order_by_is_a_400(self, staff_client, other):
        for _ in range(3):
            PhoneNumberFactory()
        token = page(staff_client, {"orderBy": "name", "pageSize": 1})["continuationToken"]

        response = get(staff_client, {**other, "pageSize": 1, "continuationToken": token})

        assert_bad_parameter(response, "continuationToken")

    def test_token_may_be_used_with_another_page_size(self, staff_client):
        rows = [PhoneNumberFactory(created_at=at(i)) for i in range(5)]
        token = page(staff_client, {"pageSize": 1})["continuationToken"]

        body = page(staff_client, {"pageSize": 10, "continuationToken": token})

        assert ids(body) == [str(r.pk) for r in reversed(rows[:4])]

    @pytest.mark.parametrize(
        "tamper",
        [
            lambda token: "garbage",
            lambda token: "null",
            lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
            lambda token: token[:-6],
            lambda token: "x" + token,
            lambda token: token[:5] + ("A" if token[5] != "A" else "B") + token[6:],
            lambda token: token.split(":")[0],
            lambda token: base64.urlsafe_b64encode(
                json.dumps({"o": "-createdAt", "v": [{"t": at(0).isoformat()}, None]}).encode()
            ).decode(),
            lambda token: signing.dumps({"o": "-createdAt", "v": []}),  # signed, wrong salt
        ],
        ids=[
            "garbage",
            "null",
            "last-char",
            "truncated",
            "prefixed",
            "payload-char",
            "payload-only",
            "unsigned-json",
            "other-salt",
        ],
    )
    def test_tampered_or_garbage_token_is_a_400(self, staff_client, tamper):
        for i in range(3):
            PhoneNumberFactory(created_at=at(i))
        token = page(staff_client, {"pageSize": 1})["continuationToken"]

        response = get(staff_client, {"pageSize": 1, "continuationToken": tamper(token)})

        assert_bad_parameter(response, "continuationToken")


class TestTenancy:
    @pytest.fixture
    def spread(self, business, other_business) -> dict:
        return {
            "mine": [PhoneNumberFactory(business=business) for _ in range(3)],
            "theirs": [PhoneNumberFactory(business=other_business) for _ in range(2)],
            "pool": [PhoneNumberFactory() for _ in range(2)],
        }

    def test_member_sees_only_numbers_of_their_businesses(self, member_client, spread):
        body = page(member_client, {"includeCount": "true", "pageSize": 500})

        assert set(ids(body)) == pks(*spread["mine"])
        assert body["totalCount"] == 3

    def test_member_paging_never_leaves_their_businesses(self, member_client, spread):
        walked = walk(member_client, {"orderBy": "number"}, page_size=1)

        assert len(walked) == 3
        assert {item["id"] for item in walked} == pks(*spread["mine"])

    def test_member_filtering_by_another_business_gets_an_empty_page(
        self, member_client, spread, other_business
    ):
        response = get(
            member_client, {"businessId": str(other_business.pk), "includeCount": "true"}
        )

        assert response.status_code == HTTPStatus.OK
        assert response.json() == {
            "items": [],
            "pageSize": 50,
            "totalCount": 0,
            "continuationToken": None,
        }

    def test_member_filtering_by_their_business_gets_its_numbers(
        self, member_client, spread, business
    ):
        assert found(member_client, {"businessId": str(business.pk)}) == pks(*spread["mine"])

    def test_member_search_does_not_reach_other_businesses(
        self, member_client, business, other_business
    ):
        mine = PhoneNumberFactory(number="+14155552671", business=business)
        PhoneNumberFactory(number="+14155552672", business=other_business)
        PhoneNumberFactory(number="+14155552673")

        assert found(member_client, {"search": "415555"}) == pks(mine)

    def test_member_of_several_businesses_sees_all_of_them(
        self, member_client, member, spread, other_business
    ):
        MembershipFactory(user=member, business=other_business)

        assert found(member_client) == pks(*spread["mine"], *spread["theirs"])

    def test_user_of_no_business_sees_nothing(self, spread):
        body = page(client_for(UserFactory(username="loner")), {"includeCount": "true"})

        assert body["items"] == []
        assert body["totalCount"] == 0

    def test_staff_see_every_number(self, staff_client, spread, other_business):
        everything = [*spread["mine"], *spread["theirs"], *spread["pool"]]

        assert found(staff_client) == pks(*everything)
        assert found(staff_client, {"businessId": str(other_business.pk)}) == pks(*spread["theirs"])


class TestQueryCount:
    @pytest.fixture
    def many_rows(self, business, other_business, member) -> list:
        """65 rows over six businesses and the pool, some with users and billing owners."""
        businesses: list[Business | None] = [
            None,
            business,
            other_business,
            *(BusinessFactory() for _ in range(3)),
        ]
        users = [member, *(UserFactory() for _ in range(3))]
        rows = []
        for i in range(65):
            owner = businesses[i % len(businesses)]
            user = users[i % len(users)] if owner is not None and i % 2 else None
            row = PhoneNumberFactory(business=owner, user=user, created_at=at(i))
            if owner is not None:
                row.billing.business = owner
                row.billing.user = user
                row.billing.save()
                row.ten_dlc.campaign_status = "Approved"
                row.ten_dlc.save()
            rows.append(row)
        return rows

    def test_page_costs_the_same_queries_whatever_its_size(
        self, staff_client, many_rows, django_assert_num_queries, locmem_cache
    ):
        with django_assert_num_queries(QUERIES_PER_PAGE):
            small = page(staff_client, {"pageSize": 5})
        with django_assert_num_queries(QUERIES_PER_PAGE):
            large = page(staff_client, {"pageSize": 50})
        with django_assert_num_queries(QUERIES_PER_PAGE):
            later = page(
                staff_client, {"pageSize": 50, "continuationToken": small["continuationToken"]}
            )

        assert len(small["items"]) == 5
        assert len(large["items"]) == 50
        assert len(later["items"]) == 50
        assert any(item["user"] for item in large["items"])
        assert any(item["business"] for item in large["items"])

    def test_member_page_costs_the_same_queries_whatever_its_size(
        self, member_client, member, many_rows, business, django_assert_num_queries, locmem_cache
    ):
        # The member sees one business: give it enough rows for a page of 50 to be full.
        for i in range(50):
            PhoneNumberFactory(
                business=business, user=member if i % 2 else None, created_at=at(100 + i)
            )

        # A member's business ids are read first (selectors._listable_by).
        with django_assert_num_queries(QUERIES_PER_PAGE + 1):
            small = page(member_client, {"pageSize": 5})
        with django_assert_num_queries(QUERIES_PER_PAGE + 1):
            large = page(member_client, {"pageSize": 50})

        assert len(small["items"]) == 5
        assert len(large["items"]) == 50

    def test_filters_and_search_cost_no_extra_query(
        self, staff_client, many_rows, django_assert_num_queries, locmem_cache
    ):
        params = {
            "pageSize": 50,
            "status": ["Unregistered", "Active"],
            "tenDlcCampaignStatus": "Approved",
            "search": "Line",
            "orderBy": "-modifiedAt,name",
        }
        with django_assert_num_queries(QUERIES_PER_PAGE):
            body = page(staff_client, params)

        assert body["items"]

    def test_include_count_adds_exactly_one_query(
        self, staff_client, many_rows, django_assert_num_queries, locmem_cache
    ):
        with django_assert_num_queries(QUERIES_PER_PAGE + 1):
            small = page(staff_client, {"pageSize": 5, "includeCount": "true"})
        with django_assert_num_queries(QUERIES_PER_PAGE + 1):
            large = page(staff_client, {"pageSize": 50, "includeCount": "true"})

        assert small["totalCount"] == large["totalCount"] == 65


# Authentication (the API key with its user, 1), the page's ids (1), their rows (1) and
# the names of the businesses and users the rows point to (1 each; selectors.
# phone_number_page_rows). includeCount adds the count (1).
QUERIES_PER_PAGE = 5


def test_a_token_of_another_list_is_refused(staff_client, business):
    from phonenumbers_app.services import event_record
    from phonenumbers_app.vocabularies import EventType

    number = PhoneNumberFactory(business=business)
    for index in range(3):
        event_record(
            phone_number=number,
            type=EventType.UPDATED,
            title=f"E{index}",
            details=None,
            acting_user=None,
        )
    events = staff_client.get(f"/phone-numbers/{number.pk}/events", {"pageSize": 1}).json()

    response = staff_client.get(
        "/phone-numbers", {"continuationToken": events["continuationToken"]}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "continuationToken" in response.json()["errors"]


def test_boolean_filters_accept_any_case(staff_client):
    PhoneNumberFactory(enabled=False)

    response = staff_client.get("/phone-numbers", {"enabled": "FALSE"})

    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["items"]) == 1


def test_bad_filter_order_and_page_size_are_reported_together(staff_client):
    response = staff_client.get(
        "/phone-numbers", {"status": "Nope", "orderBy": "colour", "pageSize": "0"}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert set(response.json()["errors"]) == {"status", "orderBy", "pageSize"}
