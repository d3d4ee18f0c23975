"""`changes` of GET /phone-numbers/{id}/events: before → after per field, raw API values,
documented (every answer here is validated against /openapi.json by tests/api/conftest.py)
and, for a key that is not staff, holding nothing that key may not see: another tenant's
number, a previous owner's values, a staff member's identity, a field that is staff's."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phonenumbers_app import services
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.ownership import STAFF_ACTOR
from phonenumbers_app.vocabularies import EventType
from tests.conftest import client_for
from tests.factories import BusinessFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", first_name="Stella", last_name="Staffer", is_staff=True)


def tenant(name: str):
    business = BusinessFactory(name=name)
    user = UserFactory(username=f"user-{name.lower()}", first_name=name, last_name="Member")
    MembershipFactory(user=user, business=business)
    return business, user, client_for(user)


def events_of(api, number: PhoneNumber, **params) -> list[dict]:
    response = api.get(f"/phone-numbers/{number.pk}/events", params)
    assert response.status_code == HTTPStatus.OK, response.content
    return response.json()["items"]


def changes_of(events: list[dict]) -> dict[str, tuple]:
    """{field: (before, after)} over all the events (newest first wins)."""
    found: dict[str, tuple] = {}
    for event in reversed(events):
        for change in event["changes"]:
            found[change["field"]] = (change["before"], change["after"])
    return found


def create(api, business=None, *, name="Old", number="+14155550142") -> PhoneNumber:
    body = {"name": name, "number": number}
    if business is not None:
        body["businessId"] = str(business.pk)
    response = api.post("/phone-numbers", body, format="json")
    assert response.status_code == HTTPStatus.OK, response.content
    return PhoneNumber.objects.get(pk=response.json()["id"])


class TestTheAnswer:
    def test_an_update_answers_its_field_before_and_after(self, staff_client, business):
        number = create(staff_client, business)
        staff_client.patch(f"/phone-numbers/{number.pk}", {"name": "New"}, format="json")

        newest = events_of(staff_client, number)[0]

        assert newest["type"] == EventType.UPDATED
        assert newest["changes"] == [{"field": "name", "before": "Old", "after": "New"}]

    def test_values_are_the_api_s_not_the_pages(self, staff_client, business):
        number = create(staff_client, business)
        body = {"enabled": False, "billing": {"monthlyAmount": "12.50"}}
        staff_client.patch(f"/phone-numbers/{number.pk}", body, format="json")

        newest = events_of(staff_client, number)[0]

        assert newest["changes"] == [
            {"field": "enabled", "before": True, "after": False},
            {"field": "billing.monthlyAmount", "before": None, "after": "12.50"},
        ]

    def test_a_creation_has_no_before(self, staff_client, business):
        number = create(staff_client, business)

        (created,) = events_of(staff_client, number)

        assert created["type"] == EventType.CREATED
        by_field = {c["field"]: c for c in created["changes"]}
        assert by_field["businessId"] == {
            "field": "businessId",
            "before": None,
            "after": str(business.pk),
        }
        assert all(c["before"] is None for c in created["changes"])

    def test_the_number_s_own_events_keep_the_published_shape(self, staff_client, business):
        number = create(staff_client, business)

        body = staff_client.get(f"/phone-numbers/{number.pk}").json()

        assert body["events"] and all("changes" not in e for e in body["events"])

    def test_documented_in_the_schema(self, openapi):
        schemas = openapi["components"]["schemas"]
        item = schemas["PhoneNumberEventPage"]["properties"]["items"]["items"]
        assert item == {"$ref": "#/components/schemas/PhoneNumberEventWithChanges"}
        changes = schemas["PhoneNumberEventWithChanges"]["properties"]["changes"]
        assert changes["items"] == {"$ref": "#/components/schemas/PhoneNumberEventChange"}
        change = schemas["PhoneNumberEventChange"]
        assert set(change["required"]) == {"field", "before", "after"}


class TestWhatATenantMayNotSee:
    def test_another_tenant_gets_no_events_of_the_number(self, db):
        _, _, b_api = tenant("Bravo")
        _, _, c_api = tenant("Charlie")
        number = create(b_api)

        response = c_api.get(f"/phone-numbers/{number.pk}/events")

        assert response.status_code == HTTPStatus.NOT_FOUND
        assert "Old" not in response.content.decode()

    def test_a_recycled_number_shows_its_new_owner_none_of_the_previous_one_s_values(
        self, staff, db
    ):
        staff_api = client_for(staff)
        b_business, b_user, b_api = tenant("Bravo")
        c_business, _, c_api = tenant("Charlie")
        number = create(b_api, name="Bravo's sales line")
        setup = {
            "routing": {"teamId": "team-b", "voiceConnectionId": "vc-b"},
            "tenDlc": {"brandId": "brand-b", "failureReason": "B's opt-in flow"},
            "billing": {"subscriptionItemId": "sub_b", "monthlyAmount": "1.15"},
            "healthReason": "B's health note",
        }
        response = staff_api.patch(f"/phone-numbers/{number.pk}", setup, format="json")
        assert response.status_code == HTTPStatus.OK
        moved = {"businessId": str(c_business.pk), "name": "Charlie line"}
        response = staff_api.patch(f"/phone-numbers/{number.pk}", moved, format="json")
        assert response.status_code == HTTPStatus.OK

        events = events_of(c_api, number)

        assert [e["type"] for e in events] == [EventType.ASSIGNED]
        text = json.dumps(events)
        for secret in ("team-b", "vc-b", "brand-b", "B's opt-in flow", "sub_b", "1.15"):
            assert secret not in text, secret
        for secret in ("Bravo", str(b_business.pk), str(b_user.pk), "B's health note"):
            assert secret not in text, secret
        changes = changes_of(events)
        assert changes["businessId"] == (None, str(c_business.pk))
        assert changes["name"] == (number.number, "Charlie line")
        # The values are in Bravo's part of the history, which staff read.
        left = events_of(staff_api, number, type=EventType.UNASSIGNED)
        assert changes_of(left)["tenDlc.brandId"] == ("brand-b", None)

    def test_a_staff_member_s_name_in_a_value_reads_support(self, staff, business, member):
        staff_api = client_for(staff)
        number = create(client_for(member))
        services.phone_number_update(
            phone_number=number,
            acting_user=staff,
            fields={"warmup_enabled": True, "health_reason": "Checked by Stella Staffer"},
        )

        tenant_view = events_of(client_for(member), number)[0]
        staff_view = events_of(staff_api, number)[0]

        assert tenant_view["actorName"] == STAFF_ACTOR
        assert changes_of([tenant_view])["healthReason"] == (None, "Checked by Support")
        assert changes_of([staff_view])["healthReason"] == (None, "Checked by Stella Staffer")
        assert "Stella" not in json.dumps(tenant_view)

    def test_a_staff_member_recorded_as_the_user_before_that_stopped_stays_hidden(
        self, staff, business, member
    ):
        # Before migration 0005 staff who assigned a number became its user; such events
        # still name them. Written here through the audit service as those were.
        number = create(client_for(member))
        services.event_record(
            phone_number=number,
            type=EventType.ASSIGNED,
            title="Assigned",
            details=None,
            acting_user=staff,
            data={
                "before": {"userId": None, "billing.userId": None, "inventoryState": "Available"},
                "after": {
                    "userId": str(staff.pk),
                    "billing.userId": str(staff.pk),
                    "inventoryState": "Assigned",
                },
            },
        )
        services.event_record(
            phone_number=number,
            type=EventType.UPDATED,
            title="Updated",
            details=None,
            acting_user=None,
            data={"before": {"userId": str(staff.pk)}, "after": {"userId": str(member.pk)}},
        )

        tenant_events = events_of(client_for(member), number)
        staff_events = events_of(client_for(staff), number)

        assert str(staff.pk) not in json.dumps(tenant_events)
        assert tenant_events[0]["changes"] == [
            {"field": "userId", "before": None, "after": str(member.pk)}
        ]
        assert tenant_events[1]["changes"] == [
            {"field": "inventoryState", "before": "Available", "after": "Assigned"}
        ]
        assert str(staff.pk) in json.dumps(staff_events[:2])

    def test_a_field_the_representation_does_not_show_is_staff_s(self, staff, business, member):
        number = create(client_for(member))
        services.event_record(
            phone_number=number,
            type=EventType.UPDATED,
            title="Provider sync",
            details=None,
            acting_user=None,
            data={
                "before": {"providerInternalCost": "0.0042", "providerStatus": "pending"},
                "after": {"providerInternalCost": "0.0051", "providerStatus": "active"},
            },
        )

        tenant_newest = events_of(client_for(member), number)[0]
        staff_newest = events_of(client_for(staff), number)[0]

        assert tenant_newest["changes"] == [
            {"field": "providerStatus", "before": "pending", "after": "active"}
        ]
        assert {c["field"] for c in staff_newest["changes"]} == {
            "providerStatus",
            "providerInternalCost",
        }


class TestQueries:
    @pytest.mark.parametrize("as_staff", [True, False])
    def test_the_list_s_queries_do_not_grow_with_its_events(
        self, as_staff, staff, business, member
    ):
        api = client_for(staff if as_staff else member)
        number = create(client_for(member))

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                events_of(api, number, pageSize=50)
            return len(captured)

        few = queries()
        for index in range(30):
            actor = staff if index % 2 else member
            services.phone_number_update(
                phone_number=number,
                acting_user=actor,
                fields={"name": f"Line {index}", "team_id": f"team-{index}"},
            )
        assert len(events_of(api, number, pageSize=50)) == 31
        assert queries() <= few
