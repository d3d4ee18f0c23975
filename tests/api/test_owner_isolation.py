"""A number that changes owner carries nothing of its previous owner, as its next owner
would try to find out: through the create answer, the number, its events and warmup.

Business B sets a number up fully (ids, routing, 10DLC, billing, reasons, default and
preferred, a warmup paused by B's own user), then loses it: returned to the pool and
claimed, assigned from the pool, or moved by staff. Business C, holding the number
next, must see none of it, nor B's history, users or name.
"""

from http import HTTPStatus

import pytest

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services.ownership import STAFF_ACTOR
from phonenumbers_app.vocabularies import EventType
from tests.conftest import client_for
from tests.factories import BusinessFactory, MembershipFactory, PhoneNumberFactory, UserFactory

B_SECRETS = (
    "team-b",
    "crm-campaign-b",
    "source-b",
    "mp-b",
    "vc-b",
    "brand-b",
    "tcr-b",
    "Rejected for B's opt-in flow",
    "sub_b",
    "B paused it: complaint from Bob's list",
    "B's health note",
)


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", first_name="Stella", last_name="Staffer", is_staff=True)


@pytest.fixture
def staff_api(staff):
    return client_for(staff)


def tenant(name: str):
    business = BusinessFactory(name=name)
    user = UserFactory(username=f"user-{name.lower()}", first_name=name, last_name="Member")
    MembershipFactory(user=user, business=business)
    return business, user, client_for(user)


@pytest.fixture
def b(db):
    return tenant("Bravo")


@pytest.fixture
def c(db):
    return tenant("Charlie")


def url(number, tail: str = "") -> str:
    return f"/phone-numbers/{number.pk}{tail}"


def set_up_by_b(staff_api, b) -> PhoneNumber:
    """B's number, configured by B (its key) and by staff, with history on both sides."""
    _, _, b_api = b
    response = b_api.post(
        "/phone-numbers", {"name": "Bravo's sales line", "number": "+14155550142"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    number = PhoneNumber.objects.get(pk=response.json()["id"])
    body = {
        "routing": {
            "teamId": "team-b",
            "campaignId": "crm-campaign-b",
            "sourceId": "source-b",
            "messagingProfileId": "mp-b",
            "voiceConnectionId": "vc-b",
            "smsEnabled": True,
        },
        "isDefault": True,
        "isPreferred": True,
        "warmupEnabled": True,
        "healthReason": "B's health note",
        "tenDlc": {
            "brandId": "brand-b",
            "campaignId": "tcr-b",
            "campaignStatus": "Rejected",
            "failureReason": "Rejected for B's opt-in flow",
        },
        "billing": {"subscriptionItemId": "sub_b", "monthlyAmount": "1.15", "channel": "sms"},
    }
    assert staff_api.patch(url(number), body, format="json").status_code == HTTPStatus.OK
    paused = b_api.post(
        url(number, "/warmup/pause"),
        {"reason": "B paused it: complaint from Bob's list"},
        format="json",
    )
    assert paused.status_code == HTTPStatus.OK
    return number


def assert_nothing_of_b(text: str, b) -> None:
    business, user, _ = b
    for secret in (*B_SECRETS, business.name, str(business.pk), user.display_name, str(user.pk)):
        assert secret not in text, f"{secret!r} leaked"


def assert_blank_owner_fields(body: dict) -> None:
    assert (body["teamId"], body["campaignId"], body["sourceId"]) == (None, None, None)
    routing = body["routing"]
    assert routing["messagingProfileId"] is None and routing["voiceConnectionId"] is None
    assert routing["smsEnabled"] is False
    assert set(body["tenDlc"].values()) == {None}
    billing = body["billing"]
    assert (billing["subscriptionItemId"], billing["monthlyAmount"], billing["channel"]) == (
        None,
        None,
        None,
    )
    assert body["isDefault"] is False and body["isPreferred"] is False
    assert body["warmupPauseReason"] == "Paused under a previous owner."
    assert body["healthReason"] == "Reported under a previous owner."


class TestReturnedToThePoolThenClaimed:
    def test_the_claimer_sees_nothing_of_the_previous_owner(self, staff_api, b, c):
        number = set_up_by_b(staff_api, b)
        returned = staff_api.patch(url(number), {"businessId": None}, format="json")
        assert returned.status_code == HTTPStatus.OK

        business_c, user_c, c_api = c
        claimed = c_api.post("/phone-numbers", {"name": "Charlie line"}, format="json")

        assert claimed.status_code == HTTPStatus.OK
        body = claimed.json()
        assert body["id"] == str(number.pk)
        assert body["business"] == {"id": str(business_c.pk), "name": "Charlie"}
        assert body["user"] == {"id": str(user_c.pk), "name": user_c.display_name}
        assert body["billing"]["businessId"] == str(business_c.pk)
        assert_blank_owner_fields(body)
        assert [e["title"] for e in body["events"]] == ["Claimed from the inventory pool"]
        assert_nothing_of_b(claimed.content.decode(), b)
        for tail in ("", "/events", "/warmup"):
            response = c_api.get(url(number, tail))
            assert response.status_code == HTTPStatus.OK
            assert_nothing_of_b(response.content.decode(), b)
        assert c_api.get(url(number, "/warmup")).json()["events"] == []

    def test_the_return_to_the_pool_records_what_was_cleared_in_the_owners_history(
        self, staff_api, b
    ):
        number = set_up_by_b(staff_api, b)
        staff_api.patch(url(number), {"businessId": None}, format="json")

        event = PhoneNumberEvent.objects.filter(phone_number=number).latest("created_at")
        assert event.type == EventType.UNASSIGNED
        assert event.business_id == b[0].pk
        assert event.data["before"]["teamId"] == "team-b"
        assert event.data["after"]["teamId"] is None
        assert event.data["before"]["tenDlc.brandId"] == "brand-b"
        assert event.data["before"]["billing.monthlyAmount"] == "1.15"
        assert event.data["after"]["billing.monthlyAmount"] is None
        assert event.data["before"]["name"] == "Bravo's sales line"
        assert event.data["after"]["name"] == "+14155550142"
        number.refresh_from_db()
        assert number.name == "+14155550142"
        assert number.billing.monthly_amount is None and number.ten_dlc.brand_id is None

    def test_the_previous_owner_loses_sight_of_it_and_finds_its_history_when_it_returns(
        self, staff_api, b, c
    ):
        number = set_up_by_b(staff_api, b)
        _, _, b_api = b
        staff_api.patch(url(number), {"businessId": None}, format="json")
        assert b_api.get(url(number)).status_code == HTTPStatus.NOT_FOUND

        c_api = c[2]
        c_api.post("/phone-numbers", {"name": "Charlie line"}, format="json")
        c_api.patch(url(number), {"name": "Charlie renamed"}, format="json")
        staff_api.patch(url(number), {"businessId": str(b[0].pk)}, format="json")

        titles = [e["title"] for e in b_api.get(url(number, "/events")).json()["items"]]
        assert "Created for Bravo" in titles and "Returned to the inventory pool" in titles
        assert not any("Charlie" in title for title in titles)
        details = " ".join(
            e["details"] or "" for e in b_api.get(url(number, "/events")).json()["items"]
        )
        assert "Charlie" not in details


class TestAssignedOrMovedByStaff:
    def test_a_pool_number_assigned_by_number_carries_nothing(self, staff_api, b, c):
        number = set_up_by_b(staff_api, b)
        staff_api.patch(url(number), {"businessId": None}, format="json")

        response = staff_api.post(
            "/phone-numbers",
            {"name": "Charlie line", "number": number.number, "businessId": str(c[0].pk)},
            format="json",
        )

        assert response.status_code == HTTPStatus.OK
        assert_blank_owner_fields(response.json())
        c_view = c[2].get(url(number))
        assert_nothing_of_b(c_view.content.decode(), b)
        assert [e["title"] for e in c_view.json()["events"]] == ["Assigned from the inventory pool"]

    def test_a_number_moved_between_businesses_carries_nothing(self, staff_api, b, c):
        number = set_up_by_b(staff_api, b)

        moved = staff_api.patch(url(number), {"businessId": str(c[0].pk)}, format="json")

        assert moved.status_code == HTTPStatus.OK
        assert_blank_owner_fields(moved.json())
        c_view = c[2].get(url(number))
        assert_nothing_of_b(c_view.content.decode(), b)
        (event,) = c_view.json()["events"]
        assert event["title"] == "Moved to Charlie"
        arrived = PhoneNumberEvent.objects.get(pk=event["id"])
        assert arrived.business_id == c[0].pk
        assert arrived.data["before"]["businessId"] is None  # not B's id
        assert "team-b" not in str(arrived.data)
        left = PhoneNumberEvent.objects.filter(type=EventType.UNASSIGNED).get()
        assert left.business_id == b[0].pk and "Charlie" not in str(left.data) + left.title
        assert b[2].get(url(number)).status_code == HTTPStatus.NOT_FOUND

    def test_explicit_values_of_the_move_win_over_the_cleared_ones(self, staff_api, b, c):
        number = set_up_by_b(staff_api, b)

        body = staff_api.patch(
            url(number),
            {"businessId": str(c[0].pk), "name": "Charlie line", "routing": {"teamId": "team-c"}},
            format="json",
        ).json()

        assert body["name"] == "Charlie line" and body["teamId"] == "team-c"
        assert body["tenDlc"]["brandId"] is None


class TestRelease:
    def test_release_clears_the_owners_data_and_keeps_its_history(self, staff_api, b):
        number = set_up_by_b(staff_api, b)
        _, _, b_api = b

        assert b_api.delete(url(number)).status_code == HTTPStatus.NO_CONTENT

        number.refresh_from_db()
        assert number.team_id is None and number.is_default is False
        assert number.ten_dlc.campaign_id is None and number.billing.monthly_amount is None
        assert number.name == "Bravo's sales line"  # the label stays in B's history
        event = PhoneNumberEvent.objects.filter(type=EventType.RELEASED).get()
        assert event.business_id == b[0].pk
        assert event.data["before"]["billing.subscriptionItemId"] == "sub_b"
        assert event.data["after"]["inventoryState"] == "Released"
        # Gone for B, as the seed product shows a deleted number; the history stays, for staff.
        assert b_api.get(url(number, "/events")).status_code == HTTPStatus.NOT_FOUND
        assert len(staff_api.get(url(number, "/events")).json()["items"]) >= 4


class TestStaffIdentity:
    def test_staff_actions_appear_to_tenants_as_support(self, staff_api, staff, b):
        number = set_up_by_b(staff_api, b)
        _, user_b, b_api = b
        b_api.post(url(number, "/warmup/resume"), {}, format="json")
        staff_api.post(url(number, "/warmup/pause"), {"reason": "Carrier audit"}, format="json")

        for tail, key in (("", "events"), ("/events", "items"), ("/warmup", "events")):
            response = b_api.get(url(number, tail))
            text = response.content.decode()
            assert staff.display_name not in text and str(staff.pk) not in text, tail
            events = response.json()[key]
            staff_events = [e for e in events if e["actorName"] == STAFF_ACTOR]
            assert staff_events and all(e["actorId"] is None for e in staff_events), tail
            assert any(e["actorName"] == user_b.display_name for e in events), tail

    def test_staff_see_who_acted(self, staff_api, staff, b):
        number = set_up_by_b(staff_api, b)

        events = staff_api.get(url(number, "/events")).json()["items"]

        assert any(
            e["actorName"] == staff.display_name and e["actorId"] == str(staff.pk) for e in events
        )

    def test_a_number_created_by_staff_for_a_business_has_no_user(self, staff_api, b):
        body = staff_api.post(
            "/phone-numbers",
            {"name": "Line", "number": "+14155550143", "businessId": str(b[0].pk)},
            format="json",
        ).json()

        assert body["user"] is None and body["billing"]["userId"] is None


class TestOtherTenants:
    def test_a_tenant_cannot_read_the_history_of_a_number_it_no_longer_owns(self, staff_api, b, c):
        number = set_up_by_b(staff_api, b)
        staff_api.patch(url(number), {"businessId": str(c[0].pk)}, format="json")

        for tail in ("", "/events", "/warmup"):
            assert b[2].get(url(number, tail)).status_code == HTTPStatus.NOT_FOUND

    def test_events_of_the_pool_are_staff_only(self, staff_api, c):
        pool = PhoneNumberFactory(number="+14155550144")
        staff_api.patch(url(pool), {"name": "Pool label"}, format="json")

        c[2].post("/phone-numbers", {"name": "Charlie line"}, format="json")

        titles = [e["title"] for e in c[2].get(url(pool, "/events")).json()["items"]]
        assert titles == ["Claimed from the inventory pool"]
        assert len(staff_api.get(url(pool, "/events")).json()["items"]) == 2


def test_a_business_deleted_after_its_numbers_moved_leaves_their_history_to_staff(staff_api, b, c):
    number = set_up_by_b(staff_api, b)
    staff_api.patch(url(number), {"businessId": str(c[0].pk)}, format="json")

    assert staff_api.delete(f"/businesses/{b[0].pk}").status_code == HTTPStatus.NO_CONTENT

    titles = [e["title"] for e in staff_api.get(url(number, "/events")).json()["items"]]
    assert "Created for Bravo" in titles  # kept, now in no business's history
    assert PhoneNumberEvent.objects.filter(business__isnull=True, phone_number=number).exists()
    c_titles = [e["title"] for e in c[2].get(url(number, "/events")).json()["items"]]
    assert c_titles == ["Moved to Charlie"]
