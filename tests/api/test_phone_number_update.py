"""GET, PATCH and PUT /phone-numbers/{id}: fields, transitions, default moves, ETags."""

import uuid
from http import HTTPStatus

import pytest

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.transitions import INVENTORY_TRANSITIONS, STATUS_TRANSITIONS
from phonenumbers_app.vocabularies import EventType, InventoryState, PhoneNumberStatus
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(business):
    return PhoneNumberFactory(number="+14155552671", business=business, name="Front desk")


def url(number) -> str:
    return f"/phone-numbers/{number.pk}"


def patch(client, number, body, **headers):
    return client.patch(url(number), body, format="json", **headers)


class TestGet:
    def test_get_returns_the_representation_with_an_etag(
        self, member_client, number, assert_matches_contract
    ):
        response = member_client.get(url(number))

        assert response.status_code == HTTPStatus.OK
        assert_matches_contract(response.json())
        assert response["ETag"] == number.etag

    def test_trailing_slash_works_without_redirect(self, member_client, number):
        assert member_client.get(url(number) + "/").status_code == HTTPStatus.OK


class TestPatchFields:
    def test_patch_changes_the_given_fields_and_nothing_else(
        self, staff_client, number, assert_matches_contract
    ):
        response = patch(
            staff_client,
            number,
            {
                "name": "Sales",
                "enabled": False,
                "teamId": "team-1",
                "routing": {"smsEnabled": True, "messagingProfileId": "mp-9"},
                "capabilities": {"testing": True},
                "isPreferred": True,
                "warmupEnabled": True,
                "warmupHealthScore": "87",
                "warmupProgressPercent": 40,
                "warmupNextActionAt": "2026-12-01T10:00:00Z",
                "healthReason": "Delivery above 98%",
                "tenDlc": {"brandId": "B1", "campaignId": "C1", "campaignStatus": "Approved"},
                "billing": {"monthlyAmount": "1.15", "channel": "sms"},
            },
        )

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert_matches_contract(body)
        assert body["name"] == "Sales"
        assert body["enabled"] is False
        assert body["teamId"] == body["routing"]["teamId"] == "team-1"
        assert body["routing"]["smsEnabled"] is True
        assert body["routing"]["messagingProfileId"] == "mp-9"
        assert body["capabilities"] == {"sms": True, "voice": True, "warmup": True, "testing": True}
        assert body["warmupHealthScore"] == "87"
        assert body["warmupProgressPercent"] == "40"
        assert body["warmupNextActionAt"] == "2026-12-01T10:00:00Z"
        assert body["tenDlc"]["campaignStatus"] == "Approved"
        assert body["tenDlc"]["statusUpdatedAt"] is not None
        assert body["billing"]["monthlyAmount"] == "1.15"
        assert body["modifiedAt"] is not None
        assert body["inventoryState"] == "Assigned"
        assert response["ETag"] != number.etag

    def test_patch_writes_one_event_with_before_and_after(self, member_client, member, number):
        patch(member_client, number, {"name": "Sales", "routing": {"smsEnabled": True}})

        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert event.type == EventType.UPDATED
        assert event.actor == member
        assert event.data == {
            "before": {"name": "Front desk", "routing.smsEnabled": False},
            "after": {"name": "Sales", "routing.smsEnabled": True},
        }
        assert event.title == "Updated name, SMS routing"

    def test_patch_that_changes_nothing_writes_no_event_and_keeps_the_etag(
        self, member_client, number
    ):
        response = patch(member_client, number, {"name": "Front desk"})

        assert response.status_code == HTTPStatus.OK
        assert response["ETag"] == number.etag
        assert not PhoneNumberEvent.objects.exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "x" * 256}, "name"),
            ({"enabled": "no"}, "enabled"),
            ({"warmupHealthScore": "101"}, "warmupHealthScore"),
            ({"warmupHealthScore": -1}, "warmupHealthScore"),
            ({"warmupProgressPercent": "4.5"}, "warmupProgressPercent"),
            ({"warmupProgressPercent": True}, "warmupProgressPercent"),
            ({"inventoryState": "Lost"}, "inventoryState"),
            ({"status": "active"}, "status"),
            ({"warmupState": "warming"}, "warmupState"),
            ({"warmupNextActionAt": "tomorrow"}, "warmupNextActionAt"),
            ({"routing": {"smsEnabled": "yes"}}, "routing.smsEnabled"),
            ({"routing": {"colour": "red"}}, "routing.colour"),
            ({"capabilities": []}, "capabilities.body"),
            ({"tenDlc": {"brandId": 5}}, "tenDlc.brandId"),
            ({"billing": {"monthlyAmount": "-1"}}, "billing.monthlyAmount"),
            ({"billing": {"monthlyAmount": "1.234"}}, "billing.monthlyAmount"),
            ({"billing": {"businessId": str(uuid.uuid4())}}, "billing.businessId"),
            ({"number": "+14155550000"}, "number"),
            ({"provider": "telnyx"}, "provider"),
            ({"teamId": "a", "routing": {"teamId": "b"}}, "teamId"),
            ({"businessId": str(uuid.uuid4())}, "businessId"),
        ],
    )
    def test_bad_patch_is_a_400_on_the_field_and_changes_nothing(
        self, member_client, number, body, field, unchanged_db
    ):
        with unchanged_db():
            response = patch(member_client, number, body)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"] == "application/problem+json"
        assert field in response.json()["errors"], response.json()

    def test_number_of_another_business_is_a_404(self, member_client, other_business):
        theirs = PhoneNumberFactory(business=other_business)

        response = patch(member_client, theirs, {"name": "Mine now"})

        assert response.status_code == HTTPStatus.NOT_FOUND
        theirs.refresh_from_db()
        assert theirs.name != "Mine now"

    def test_missing_number_is_a_404(self, staff_client):
        response = staff_client.patch(f"/phone-numbers/{uuid.uuid4()}", {}, format="json")

        assert response.status_code == HTTPStatus.NOT_FOUND


class TestTransitions:
    def test_allowed_inventory_state_change_writes_a_state_event(self, staff_client, number):
        response = patch(staff_client, number, {"inventoryState": "Pending verification"})

        assert response.status_code == HTTPStatus.OK
        assert response.json()["inventoryState"] == "Pending verification"
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert event.type == EventType.STATE_CHANGED
        assert event.title == "Inventory state Assigned → Pending verification"
        assert event.data["before"] == {"inventoryState": "Assigned"}

    def test_invalid_status_change_is_a_409_listing_the_allowed_next_states(
        self, staff_client, number, unchanged_db
    ):
        with unchanged_db():
            response = patch(staff_client, number, {"status": "Expired"})

        assert response.status_code == HTTPStatus.CONFLICT
        problem = response.json()
        assert problem["type"] == "/problems/invalid-transition"
        assert problem["current"] == "Unregistered"
        assert problem["requested"] == "Expired"
        assert problem["allowed"] == list(STATUS_TRANSITIONS[PhoneNumberStatus.UNREGISTERED])

    @pytest.mark.parametrize("state", list(InventoryState))
    def test_every_state_reachable_from_assigned_follows_the_table(
        self, staff_client, number, state
    ):
        response = patch(staff_client, number, {"inventoryState": state})

        if state == InventoryState.ASSIGNED:
            assert response.status_code == HTTPStatus.OK
        elif state in (InventoryState.AVAILABLE, InventoryState.RELEASED):
            # Allowed by the table but done otherwise: businessId null, DELETE.
            assert response.status_code == HTTPStatus.BAD_REQUEST
        elif state in INVENTORY_TRANSITIONS[InventoryState.ASSIGNED]:
            assert response.status_code == HTTPStatus.OK
        else:
            assert response.status_code == HTTPStatus.CONFLICT

    def test_status_walks_provisioning_to_active_to_suspended(self, staff_client, number):
        for status in ("Provisioning", "Active", "Suspended", "Active"):
            assert patch(staff_client, number, {"status": status}).status_code == 200

        assert PhoneNumberEvent.objects.filter(type=EventType.STATE_CHANGED).count() == 4


class TestOwnership:
    def test_staff_returns_a_number_to_the_pool_with_business_id_null(self, staff_client, number):
        response = patch(staff_client, number, {"businessId": None})

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert body["business"] is None
        assert body["user"] is None
        assert body["inventoryState"] == "Available"
        assert body["billing"]["businessId"] is None
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert event.type == EventType.UNASSIGNED
        assert event.title == "Returned to the inventory pool"
        assert event.business_id == number.business_id  # the history of the business it left
        assert event.data["before"]["businessId"] == str(number.business_id)
        assert event.data["after"]["businessId"] is None
        assert event.data["after"]["inventoryState"] == "Available"

    def test_members_cannot_return_numbers_to_the_pool(self, member_client, number, unchanged_db):
        with unchanged_db():
            response = patch(member_client, number, {"businessId": None})

        assert response.status_code == HTTPStatus.FORBIDDEN
        assert response.json()["type"] == "/problems/field-not-writable"
        assert list(response.json()["errors"]) == ["businessId"]

    def test_staff_moves_a_number_to_another_business(
        self, staff_client, staff_user, number, other_business
    ):
        response = patch(staff_client, number, {"businessId": str(other_business.pk)})

        body = response.json()
        assert body["business"]["id"] == str(other_business.pk)
        assert body["billing"]["businessName"] == other_business.name
        assert body["user"] is None  # staff are never a number's user
        # Staff see both sides: what left the previous owner, then the arrival.
        assert [e["title"] for e in body["events"][:2]] == [
            f"Moved to {other_business.name}",
            "Moved to another business",
        ]

    def test_member_cannot_move_a_number_into_a_business_they_do_not_belong_to(
        self, member_client, number, other_business, unchanged_db
    ):
        with unchanged_db():
            response = patch(member_client, number, {"businessId": str(other_business.pk)})

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response.json()["errors"] == {"businessId": ["No business with this id exists."]}

    def test_assigning_a_pool_number_by_patch_makes_it_assigned(self, staff_client, business):
        stock = PhoneNumberFactory()

        body = patch(staff_client, stock, {"businessId": str(business.pk)}).json()

        assert body["inventoryState"] == "Assigned"
        assert body["business"]["id"] == str(business.pk)

    def test_assigned_without_a_business_is_a_400(self, staff_client, unchanged_db):
        stock = PhoneNumberFactory()

        with unchanged_db():
            response = patch(staff_client, stock, {"inventoryState": "Assigned"})

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "inventoryState" in response.json()["errors"]


class TestDefault:
    def test_setting_default_moves_it_from_the_previous_default(
        self, member_client, member, business, number
    ):
        previous = PhoneNumberFactory(business=business, is_default=True)

        response = patch(member_client, number, {"isDefault": True})

        assert response.status_code == HTTPStatus.OK
        assert response.json()["isDefault"] is True
        previous.refresh_from_db()
        assert previous.is_default is False
        assert list(PhoneNumber.objects.filter(business=business, is_default=True)) == [number]
        cleared = PhoneNumberEvent.objects.get(phone_number=previous)
        assert cleared.title == "No longer the default number"
        assert cleared.actor == member

    def test_default_needs_a_business(self, staff_client, unchanged_db):
        stock = PhoneNumberFactory()

        with unchanged_db():
            response = patch(staff_client, stock, {"isDefault": True})

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "isDefault" in response.json()["errors"]

    def test_moving_a_default_number_to_another_business_drops_the_flag(
        self, staff_client, business, other_business
    ):
        default = PhoneNumberFactory(business=business, is_default=True)

        body = patch(staff_client, default, {"businessId": str(other_business.pk)}).json()

        assert body["isDefault"] is False


class TestIfMatch:
    def test_current_etag_lets_the_write_through(self, member_client, number):
        etag = member_client.get(url(number))["ETag"]

        response = patch(member_client, number, {"name": "New"}, HTTP_IF_MATCH=etag)

        assert response.status_code == HTTPStatus.OK

    def test_stale_etag_is_a_412_and_changes_nothing(self, member_client, number, unchanged_db):
        stale = member_client.get(url(number))["ETag"]
        patch(member_client, number, {"name": "Changed by someone else"})

        with unchanged_db():
            response = patch(member_client, number, {"name": "Mine"}, HTTP_IF_MATCH=stale)

        assert response.status_code == HTTPStatus.PRECONDITION_FAILED
        problem = response.json()
        assert problem["type"] == "/problems/precondition-failed"
        assert problem["etag"] == member_client.get(url(number))["ETag"]

    def test_star_matches_any_version(self, member_client, number):
        assert patch(member_client, number, {"name": "N"}, HTTP_IF_MATCH="*").status_code == 200

    def test_put_and_delete_honour_if_match(self, member_client, number, unchanged_db):
        with unchanged_db():
            put = member_client.put(url(number), {"name": "N"}, format="json", HTTP_IF_MATCH='"x"')
            delete = member_client.delete(url(number), HTTP_IF_MATCH='"x"')

        assert put.status_code == delete.status_code == HTTPStatus.PRECONDITION_FAILED


class TestPut:
    def test_put_sets_name_and_enabled_from_the_create_body(
        self, member_client, number, assert_matches_contract
    ):
        patch(member_client, number, {"enabled": False})

        response = member_client.put(url(number), {"name": "Replaced"}, format="json")

        assert response.status_code == HTTPStatus.OK
        body = response.json()
        assert_matches_contract(body)
        assert body["name"] == "Replaced"
        assert body["enabled"] is True  # the create body's default
        assert body["business"]["id"] == str(number.business_id)  # omitted: kept

    def test_put_with_its_own_number_in_any_format_and_its_id_is_accepted(
        self, member_client, number
    ):
        response = member_client.put(
            url(number),
            {"name": "Same", "number": "(415) 555-2671", "id": str(number.pk), "enabled": True},
            format="json",
        )

        assert response.status_code == HTTPStatus.OK

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "A", "number": "+14155550000"}, "number"),
            ({"name": "A", "id": str(uuid.uuid4())}, "id"),
            ({"number": "+14155552671"}, "name"),
            ({"name": "A", "extra": 1}, "extra"),
        ],
    )
    def test_put_that_would_change_identity_or_is_malformed_is_a_400(
        self, member_client, number, body, field, unchanged_db
    ):
        with unchanged_db():
            response = member_client.put(url(number), body, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert field in response.json()["errors"]


def test_an_event_title_names_at_most_three_fields(member_client, number):
    patch(
        member_client,
        number,
        {"name": "N", "enabled": False, "teamId": "t", "sourceId": "s", "campaignId": "c"},
    )

    assert PhoneNumberEvent.objects.get().title == "Updated name, enabled, team ID, 2 more"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tenDlc": {"campaignStatus": "x" * 65}}, "tenDlc.campaignStatus"),
        ({"billing": {"channel": "x" * 65}}, "billing.channel"),
        ({"teamId": "x" * 256}, "teamId"),
        ({"routing": {"voiceConnectionId": "x" * 256}}, "routing.voiceConnectionId"),
    ],
)
def test_text_longer_than_its_column_is_a_400_not_a_database_error(
    member_client, number, body, field, unchanged_db
):
    with unchanged_db():
        response = patch(member_client, number, body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert field in response.json()["errors"]
