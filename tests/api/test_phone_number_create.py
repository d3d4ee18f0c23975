"""POST /phone-numbers: the seed's contract, status by status."""

import uuid
from http import HTTPStatus

import pytest
from django.urls import reverse

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from tests.conftest import join_order_queries
from tests.factories import PhoneNumberFactory

URL = "/phone-numbers"
pytestmark = pytest.mark.django_db


def post(client, body, path=URL):
    return client.post(path, body, format="json")


class TestCreateNewNumber:
    def test_created_number_matches_contract_and_is_stored_as_e164(
        self, staff_client, staff_user, business, assert_matches_contract
    ):
        response = post(
            staff_client,
            {"name": "Sales line", "number": "(415) 555-2671", "businessId": str(business.pk)},
        )

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert_matches_contract(body)
        assert body["number"] == "+14155552671"
        assert uuid.UUID(body["id"]).version == 7  # time-ordered, like imported numbers
        assert body["name"] == "Sales line"
        assert body["business"] == {"id": str(business.pk), "name": "Acme Roofing"}
        # A staff member is never the user a business's number is for (tenants would
        # see staff identities); a member's key is (TestMemberCreates).
        assert body["user"] is None
        assert body["inventoryState"] == "Assigned"
        assert body["status"] == "Unregistered"
        assert body["enabled"] is True
        assert body["location"] == {
            "location": "San Francisco, CA",
            "state": "CA",
            "countryCode": "US",
        }
        assert body["warmupHealthScore"] == "0"
        assert body["warmupProgressPercent"] == "0"
        assert body["modifiedAt"] is None
        assert body["billing"]["businessId"] == str(business.pk)
        assert body["billing"]["businessName"] == "Acme Roofing"

    def test_location_header_points_at_the_new_number(self, staff_client, business):
        response = post(
            staff_client, {"name": "A", "number": "+14155552671", "businessId": str(business.pk)}
        )

        number = PhoneNumber.objects.get()
        assert response["Location"] == "http://testserver" + reverse(
            "phonenumbers_api:detail", kwargs={"id": number.pk}
        )
        assert staff_client.get(response["Location"]).json() == response.json()

    def test_trailing_slash_path_creates_without_redirect(self, staff_client, business):
        response = post(
            staff_client,
            {"name": "A", "number": "+14155552671", "businessId": str(business.pk)},
            path=URL + "/",
        )

        assert response.status_code == HTTPStatus.OK

    def test_create_writes_one_event_naming_the_caller(self, staff_client, staff_user, business):
        body = post(
            staff_client, {"name": "A", "number": "+14155552671", "businessId": str(business.pk)}
        ).json()

        event = PhoneNumberEvent.objects.get()
        assert event.type == EventType.CREATED
        assert event.actor == staff_user
        assert body["events"] == [
            {
                "id": str(event.pk),
                "type": "created",
                "title": "Created for Acme Roofing",
                "details": (
                    f"{staff_user.display_name} created +14155552671 as Assigned to Acme Roofing."
                ),
                "actorId": str(staff_user.pk),
                "actorName": staff_user.display_name,
                "createdAt": event.created_at.isoformat().replace("+00:00", "Z"),
            }
        ]
        assert event.data["after"]["inventoryState"] == "Assigned"

    def test_enabled_false_and_client_chosen_id_are_kept(self, staff_client, business):
        chosen = uuid.uuid4()
        body = post(
            staff_client,
            {
                "name": "A",
                "number": "+14155552671",
                "businessId": str(business.pk),
                "enabled": False,
                "id": str(chosen),
            },
        ).json()

        assert body["id"] == str(chosen)
        assert body["enabled"] is False

    def test_staff_without_business_creates_unassigned_available_inventory(
        self, staff_client, assert_matches_contract
    ):
        response = post(staff_client, {"name": "Stock", "number": "+14155552671"})

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert_matches_contract(body)
        assert body["inventoryState"] == "Available"
        assert body["business"] is None
        assert body["user"] is None
        assert body["leadpingOwned"] is True
        assert body["events"][0]["title"] == "Added to the inventory pool"

    def test_member_of_one_business_may_omit_business_id(self, member_client, business):
        response = post(member_client, {"name": "A", "number": "+14155552671"})

        assert response.status_code == HTTPStatus.OK
        assert response.json()["business"]["id"] == str(business.pk)

    def test_number_released_before_can_be_created_again_as_a_new_row(self, staff_client, business):
        old = PhoneNumberFactory(number="+14155552671", inventory_state=InventoryState.RELEASED)

        body = post(
            staff_client, {"name": "A", "number": "+14155552671", "businessId": str(business.pk)}
        ).json()

        assert body["id"] != str(old.pk)
        assert PhoneNumber.objects.filter(number="+14155552671").count() == 2


class TestAssignExistingPoolNumber:
    def test_unassigned_available_number_is_assigned_to_the_business(
        self, staff_client, staff_user, business, assert_matches_contract
    ):
        stock = PhoneNumberFactory(number="+14155552671")

        response = post(
            staff_client, {"name": "Mine", "number": "415-555-2671", "businessId": str(business.pk)}
        )

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert_matches_contract(body)
        assert body["id"] == str(stock.pk)
        assert body["inventoryState"] == "Assigned"
        assert body["name"] == "Mine"
        assert body["modifiedAt"] is not None
        assert [e["type"] for e in body["events"]] == ["assigned"]
        event = PhoneNumberEvent.objects.get()
        assert event.data == {
            "before": {"name": stock.name, "businessId": None, "inventoryState": "Available"},
            "after": {"name": "Mine", "businessId": str(business.pk), "inventoryState": "Assigned"},
        }
        assert event.business_id == business.pk


class TestClaimFromPool:
    def test_claim_prefers_preferred_numbers_then_the_oldest(self, staff_client, business):
        PhoneNumberFactory(number="+14155550100")
        oldest_preferred = PhoneNumberFactory(number="+14155550101", is_preferred=True)
        PhoneNumberFactory(number="+14155550102", is_preferred=True)

        body = post(staff_client, {"name": "Claimed", "businessId": str(business.pk)}).json()

        assert body["id"] == str(oldest_preferred.pk)
        assert body["business"]["id"] == str(business.pk)
        assert body["inventoryState"] == "Assigned"
        assert body["events"][0]["title"] == "Claimed from the inventory pool"

    def test_claim_skips_disabled_assigned_and_internal_numbers(self, staff_client, business):
        PhoneNumberFactory(number="+14155550100", enabled=False)
        PhoneNumberFactory(number="+14155550101", is_internal_pool=True)
        PhoneNumberFactory(number="+14155550102", assigned=True)
        PhoneNumberFactory(number="+14155550103", inventory_state=InventoryState.RESTRICTED)
        claimable = PhoneNumberFactory(number="+14155550104")

        body = post(staff_client, {"name": "Claimed", "businessId": str(business.pk)}).json()

        assert body["id"] == str(claimable.pk)

    def test_member_claims_for_their_only_business_without_business_id(
        self, member_client, business
    ):
        PhoneNumberFactory(number="+14155550100")

        response = post(member_client, {"name": "Claimed"})

        assert response.status_code == HTTPStatus.OK
        assert response.json()["business"]["id"] == str(business.pk)

    def test_empty_pool_is_a_409_inventory_exhausted(self, staff_client, business, unchanged_db):
        PhoneNumberFactory(number="+14155550100", assigned=True)

        with unchanged_db():
            response = post(staff_client, {"name": "Claimed", "businessId": str(business.pk)})

        assert response.status_code == HTTPStatus.CONFLICT
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "/problems/inventory-exhausted"
        assert body["title"] == "Inventory exhausted"
        assert "Inventory exhausted" in body["detail"]


class TestConflicts:
    @pytest.mark.parametrize(
        "state", [InventoryState.ASSIGNED, InventoryState.SUSPENDED, InventoryState.AVAILABLE]
    )
    def test_existing_number_is_a_409_stating_its_state(
        self, staff_client, business, state, unchanged_db
    ):
        PhoneNumberFactory(
            number="+14155552671",
            inventory_state=state,
            business=business if state != InventoryState.AVAILABLE else None,
        )

        with unchanged_db():
            # Staff without a business asks for new inventory: an Available row is a conflict too.
            response = post(staff_client, {"name": "A", "number": "+1 415 555 2671"})

        assert response.status_code == HTTPStatus.CONFLICT
        body = response.json()
        assert body["type"] == "/problems/number-exists"
        assert body["status"] == 409
        assert body["inventoryState"] == state
        assert body["number"] == "+14155552671"
        assert f"is {state}" in body["detail"]
        assert body["instance"] == URL

    def test_disabled_pool_number_is_a_409_that_says_why(
        self, staff_client, business, unchanged_db
    ):
        PhoneNumberFactory(number="+14155552671", enabled=False)

        with unchanged_db():
            response = post(
                staff_client,
                {"name": "A", "number": "+14155552671", "businessId": str(business.pk)},
            )

        assert response.status_code == HTTPStatus.CONFLICT
        assert "disabled" in response.json()["detail"]

    def test_taken_id_is_a_409(self, staff_client, business, unchanged_db):
        taken = PhoneNumberFactory(number="+14155550100")

        with unchanged_db():
            response = post(
                staff_client,
                {
                    "name": "A",
                    "number": "+14155552671",
                    "businessId": str(business.pk),
                    "id": str(taken.pk),
                },
            )

        assert response.status_code == HTTPStatus.CONFLICT
        assert response.json()["type"] == "/problems/id-taken"


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({}, "name"),
            ({"number": "+14155552671"}, "name"),
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"name": "x" * 256}, "name"),
            ({"name": 5}, "name"),
            ({"name": None}, "name"),
            ({"name": "A", "number": "not a number"}, "number"),
            ({"name": "A", "number": "+1 999 999 9999"}, "number"),
            ({"name": "A", "number": "123"}, "number"),
            ({"name": "A", "number": ""}, "number"),
            ({"name": "A", "number": 14155552671}, "number"),
            ({"name": "A", "number": None}, "number"),
            ({"name": "A", "number": "+14155552671", "enabled": "yes"}, "enabled"),
            ({"name": "A", "number": "+14155552671", "enabled": 1}, "enabled"),
            ({"name": "A", "number": "+14155552671", "enabled": None}, "enabled"),
            ({"name": "A", "number": "+14155552671", "id": "not-a-uuid"}, "id"),
            ({"name": "A", "number": "+14155552671", "id": 7}, "id"),
            ({"name": "A", "number": "+14155552671", "businessId": "nope"}, "businessId"),
            (
                {"name": "A", "number": "+14155552671", "businessId": str(uuid.uuid4())},
                "businessId",
            ),
            ({"name": "A"}, "businessId"),
            ({"name": "A", "businessId": None}, "businessId"),
            ({"name": "A", "number": "+14155552671", "extra": 1}, "extra"),
            ({"name": "A", "number": "+14155552671", "Name": "B"}, "Name"),
        ],
    )
    def test_bad_field_is_a_400_on_that_field_and_writes_nothing(
        self, staff_client, body, field, unchanged_db
    ):
        PhoneNumberFactory(number="+14155550100")  # pool stock a bad claim must not take

        with unchanged_db():
            response = post(staff_client, body)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/problems/validation-error"
        assert problem["status"] == 400
        assert problem["instance"] == URL
        assert field in problem["errors"], problem
        assert problem["errors"][field] and all(
            isinstance(m, str) for m in problem["errors"][field]
        )
        assert field in problem["detail"]

    def test_all_bad_fields_are_reported_at_once(self, staff_client):
        response = post(
            staff_client, {"name": " ", "number": "+1 999 999 9999", "businessId": "x", "y": 1}
        )

        assert set(response.json()["errors"]) == {"name", "number", "businessId", "y"}
        assert response.json()["detail"] == "4 fields are invalid: name, number, businessId, y."

    def test_unknown_and_bad_fields_are_reported_together(self, staff_client):
        response = post(staff_client, {"name": "A", "enabled": "yes", "colour": "red"})

        assert set(response.json()["errors"]) == {"enabled", "colour"}

    def test_id_with_a_claim_is_a_400(self, staff_client, business, unchanged_db):
        PhoneNumberFactory(number="+14155550100")

        with unchanged_db():
            response = post(
                staff_client,
                {"name": "A", "businessId": str(business.pk), "id": str(uuid.uuid4())},
            )

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "id" in response.json()["errors"]

    def test_invalid_number_message_names_the_number(self, staff_client):
        response = post(staff_client, {"name": "A", "number": "+1 999 999 9999"})

        assert response.json()["errors"]["number"] == [
            "+19999999999 is not a valid phone number in any numbering plan."
        ]

    @pytest.mark.parametrize(
        ("raw", "content_type", "status", "problem_type"),
        [
            ("{not json", "application/json", 400, "/problems/malformed-request"),
            ("[1, 2]", "application/json", 400, "/problems/validation-error"),
            ('"a string"', "application/json", 400, "/problems/validation-error"),
            ("null", "application/json", 400, "/problems/validation-error"),
            ("", "application/json", 400, "/problems/validation-error"),
            ("name=A", "text/plain", 415, "/problems/unsupported-media-type"),
            (
                "name=A",
                "application/x-www-form-urlencoded",
                415,
                "/problems/unsupported-media-type",
            ),
        ],
    )
    def test_unreadable_bodies_get_a_problem_never_a_500(
        self, staff_client, raw, content_type, status, problem_type, unchanged_db
    ):
        with unchanged_db():
            response = staff_client.generic("POST", URL, raw, content_type=content_type)

        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == problem_type
        assert set(body) >= {"type", "title", "status", "detail", "instance"}


class TestRequestContract:
    def test_every_request_the_contract_allows_is_accepted_or_answered_with_a_problem(
        self, request_validator, staff_client, business
    ):
        """The seed's own example shape passes the contract and the API."""
        body = {
            "name": "Front desk",
            "number": "+14155552671",
            "businessId": str(business.pk),
            "enabled": True,
            "id": str(uuid.uuid4()),
        }
        request_validator.validate(body)

        assert post(staff_client, body).status_code == HTTPStatus.OK


class TestQueryCount:
    def test_create_costs_the_same_queries_whatever_the_event_history(
        self, staff_client, business, django_assert_num_queries, locmem_cache
    ):
        from phonenumbers_app.services import event_record

        quiet = PhoneNumberFactory(number="+14155550100")
        busy = PhoneNumberFactory(number="+14155550101")
        for index in range(30):
            event_record(
                phone_number=busy,
                type=EventType.UPDATED,
                title=f"Update {index}",
                details=None,
                acting_user=None,
            )

        def assign(number: str) -> None:
            response = post(
                staff_client, {"name": "A", "number": number, "businessId": str(business.pk)}
            )
            assert response.status_code == HTTPStatus.OK

        with django_assert_num_queries(QUERIES_TO_ASSIGN):
            assign(quiet.number)
        with django_assert_num_queries(QUERIES_TO_ASSIGN):
            assign(busy.number)
        assert len(staff_client.get(f"{URL}/{busy.pk}").json()["events"]) == 20

    def test_create_of_a_new_number_runs_a_fixed_number_of_queries(
        self, staff_client, business, django_assert_num_queries, locmem_cache
    ):
        with django_assert_num_queries(QUERIES_TO_CREATE):
            response = post(
                staff_client,
                {"name": "A", "number": "+14155552671", "businessId": str(business.pk)},
            )
        assert response.status_code == HTTPStatus.OK


# Counted inside the test's transaction, so every atomic block shows as SAVEPOINT/RELEASE.
# Auth (1), business (1), the insert's atomic block (2) around 4 inserts (number, 10DLC,
# billing, event) and the outbox's look-up of endpoints that want the event (1; nobody
# listens, so nothing more). The answer is rendered from what the service holds in memory.
QUERIES_TO_CREATE = 9
# The insert fails (savepoint, insert, rollback, release), the existing row is found (1),
# assigned in its own atomic block (2): lock (1), update number and billing (2), event
# (1), the outbox's look-up of endpoints (1); then auth and business as above, and the
# number read back with its joins (1, plus the join-order statements on PostgreSQL) and
# its latest 20 events (1).
QUERIES_TO_ASSIGN = 16 + join_order_queries()
