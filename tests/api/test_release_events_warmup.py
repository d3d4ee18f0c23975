"""DELETE (release), the events endpoint, and warmup status, pause and resume."""

import datetime
from http import HTTPStatus

import pytest
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services import event_record
from phonenumbers_app.vocabularies import EventType, WarmupHealthState
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def number(business):
    return PhoneNumberFactory(number="+14155552671", business=business, is_default=True)


def url(number, suffix: str = "") -> str:
    return f"/phone-numbers/{number.pk}{suffix}"


class TestRelease:
    def test_delete_releases_and_keeps_the_row_and_its_history(
        self, member_client, member, staff_client, number
    ):
        response = member_client.delete(url(number))

        assert response.status_code == HTTPStatus.NO_CONTENT
        assert response.content == b""
        number.refresh_from_db()
        assert number.inventory_state == "Released"
        assert number.provider_released_at is not None
        assert number.enabled is False
        assert number.is_default is False
        event = PhoneNumberEvent.objects.get(phone_number=number)
        assert (event.type, event.actor) == (EventType.RELEASED, member)
        assert event.data["after"]["inventoryState"] == "Released"
        body = staff_client.get(url(number)).json()
        assert body["inventoryState"] == "Released"
        assert body["providerReleasedAt"] is not None

    def test_after_delete_the_number_is_gone_for_its_business(
        self, member_client, staff_client, number
    ):
        member_client.delete(url(number))

        assert member_client.get(url(number)).status_code == HTTPStatus.NOT_FOUND
        assert member_client.get(url(number) + "/events").status_code == HTTPStatus.NOT_FOUND
        listed = member_client.get("/phone-numbers", {"inventoryState": "Released"}).json()
        assert listed["items"] == []
        assert str(number.pk) not in {
            i["id"] for i in member_client.get("/phone-numbers").json()["items"]
        }
        # Staff still find it, with its history.
        found = staff_client.get("/phone-numbers", {"inventoryState": "Released"}).json()
        assert [item["id"] for item in found["items"]] == [str(number.pk)]
        assert staff_client.get(url(number) + "/events").json()["items"]

    def test_releasing_again_is_a_no_op_204_for_staff_and_a_404_for_the_business(
        self, member_client, staff_client, number
    ):
        member_client.delete(url(number))
        number.refresh_from_db()
        released_at, version = number.provider_released_at, number.version

        again = staff_client.delete(url(number) + "/")
        by_the_business = member_client.delete(url(number))

        assert again.status_code == HTTPStatus.NO_CONTENT
        assert by_the_business.status_code == HTTPStatus.NOT_FOUND
        number.refresh_from_db()
        assert (number.provider_released_at, number.version) == (released_at, version)
        assert PhoneNumberEvent.objects.filter(type=EventType.RELEASED).count() == 1

    def test_released_number_can_be_created_again_as_a_new_row(
        self, member_client, business, number
    ):
        member_client.delete(url(number))

        response = member_client.post(
            "/phone-numbers", {"name": "Again", "number": "+14155552671"}, format="json"
        )

        assert response.status_code == HTTPStatus.OK
        assert response.json()["id"] != str(number.pk)
        assert PhoneNumber.objects.filter(number="+14155552671").count() == 2

    def test_released_is_terminal(self, member_client, staff_client, number, unchanged_db):
        member_client.delete(url(number))

        with unchanged_db():
            responses = [
                staff_client.patch(url(number), {"name": "x"}, format="json"),
                staff_client.patch(url(number), {"inventoryState": "Assigned"}, format="json"),
                staff_client.put(url(number), {"name": "x"}, format="json"),
            ]
            by_the_business = [
                member_client.patch(url(number), {"name": "x"}, format="json"),
                member_client.put(url(number), {"name": "x"}, format="json"),
            ]

        assert {r.status_code for r in responses} == {HTTPStatus.CONFLICT}
        assert {r.json()["type"] for r in responses} == {"/problems/number-released"}
        assert {r.status_code for r in by_the_business} == {HTTPStatus.NOT_FOUND}

    def test_another_business_cannot_release_it(self, member_client, other_business):
        theirs = PhoneNumberFactory(business=other_business)

        assert member_client.delete(url(theirs)).status_code == HTTPStatus.NOT_FOUND
        theirs.refresh_from_db()
        assert theirs.inventory_state == "Assigned"


class TestEvents:
    @pytest.fixture
    def history(self, number, member):
        start = timezone.now() - datetime.timedelta(days=10)
        events = []
        for day in range(10):
            event = event_record(
                phone_number=number,
                type=EventType.UPDATED if day % 2 else EventType.STATE_CHANGED,
                title=f"Day {day}",
                details=None,
                acting_user=member,
            )
            events.append(event)
        # Spread them over ten days (events are append-only, so set the time through SQL).
        for day, event in enumerate(events):
            PhoneNumberEvent._base_manager.filter(pk=event.pk).update(
                created_at=start + datetime.timedelta(days=day)
            )
        return start

    def test_events_are_newest_first_and_paged(self, member_client, number, history):
        first = member_client.get(url(number, "/events"), {"pageSize": 4}).json()
        titles = [e["title"] for e in first["items"]]
        pages = [first]
        while pages[-1]["continuationToken"]:
            pages.append(
                member_client.get(
                    url(number, "/events"),
                    {"pageSize": 4, "continuationToken": pages[-1]["continuationToken"]},
                ).json()
            )

        assert titles == ["Day 9", "Day 8", "Day 7", "Day 6"]
        assert [e["title"] for p in pages for e in p["items"]] == [
            f"Day {d}" for d in range(9, -1, -1)
        ]
        assert len(pages) == 3

    def test_events_filter_by_type_and_time(self, member_client, number, history):
        by_type = member_client.get(url(number, "/events"), {"type": "updated"}).json()
        by_time = member_client.get(
            url(number, "/events"),
            {
                "createdAtFrom": (history + datetime.timedelta(days=2)).isoformat(),
                "createdAtTo": (history + datetime.timedelta(days=4)).isoformat(),
            },
        ).json()

        assert [e["title"] for e in by_type["items"]] == [
            "Day 9",
            "Day 7",
            "Day 5",
            "Day 3",
            "Day 1",
        ]
        assert [e["title"] for e in by_time["items"]] == ["Day 4", "Day 3", "Day 2"]

    @pytest.mark.parametrize(
        "query",
        [
            {"type": "nope"},
            {"createdAtFrom": "yesterday"},
            {"orderBy": "title"},
            {"createdAtTo": "2024-01-01T00:00:00+16:00"},
            {"createdAtTo": ""},
            {"createdAtFrom": ""},
            {"type": ""},
            {"pageSize": "\uff15"},
        ],
    )
    def test_bad_event_filters_are_a_400(self, member_client, number, history, query):
        response = member_client.get(url(number, "/events"), query)

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"] == "application/problem+json"
        assert set(response.json()["errors"]) == set(query)

    def test_events_of_another_business_are_a_404(self, member_client, other_business):
        theirs = PhoneNumberFactory(business=other_business)

        assert member_client.get(url(theirs, "/events")).status_code == HTTPStatus.NOT_FOUND


WARMUP_FIELDS = (
    "warmupEnabled",
    "warmupState",
    "healthStatus",
    "warmupHealthScore",
    "warmupProgressPercent",
    "warmupNextActionAt",
    "warmupPauseReason",
    "healthReason",
    "canPause",
    "canResume",
    "events",
)


class TestWarmup:
    @pytest.fixture
    def warming(self, business):
        return PhoneNumberFactory(
            business=business,
            warmup_enabled=True,
            warmup_state=WarmupHealthState.HEALTHY,
            health_status=WarmupHealthState.HEALTHY,
            warmup_health_score=91,
            warmup_progress_percent=60,
        )

    def test_warmup_status_says_what_can_be_done(self, member_client, warming):
        body = member_client.get(url(warming, "/warmup")).json()

        # Beside the published status answer (tests/api/test_phone_number_status.py).
        assert {key: body[key] for key in WARMUP_FIELDS} == {
            "warmupEnabled": True,
            "warmupState": "Healthy",
            "healthStatus": "Healthy",
            "warmupHealthScore": "91",
            "warmupProgressPercent": "60",
            "warmupNextActionAt": None,
            "warmupPauseReason": None,
            "healthReason": None,
            "canPause": True,
            "canResume": False,
            "events": [],
        }

    def test_pause_needs_a_reason(self, member_client, warming, unchanged_db):
        with unchanged_db():
            responses = [
                member_client.post(url(warming, "/warmup/pause"), {}, format="json"),
                member_client.post(url(warming, "/warmup/pause"), {"reason": " "}, format="json"),
                member_client.post(
                    url(warming, "/warmup/pause"), {"reason": "x" * 501}, format="json"
                ),
            ]

        assert {r.status_code for r in responses} == {HTTPStatus.BAD_REQUEST}
        assert all("reason" in r.json()["errors"] for r in responses)

    def test_pause_then_resume_returns_to_the_state_before_the_pause(
        self, member_client, member, warming
    ):
        paused = member_client.post(
            url(warming, "/warmup/pause"), {"reason": "Carrier complaints"}, format="json"
        )

        assert paused.status_code == HTTPStatus.OK
        body = paused.json()
        assert body["warmupState"] == "Paused"
        assert body["warmupPauseReason"] == "Carrier complaints"
        assert (body["canPause"], body["canResume"]) == (False, True)
        assert body["events"][0]["type"] == "warmup_paused"
        assert body["events"][0]["details"] == "Carrier complaints"
        detail = member_client.get(url(warming)).json()
        assert detail["events"][0]["title"] == "Warmup paused"

        resumed = member_client.post(url(warming, "/warmup/resume"), format="json").json()

        assert resumed["warmupState"] == "Healthy"
        assert resumed["warmupPauseReason"] is None
        assert [e["type"] for e in resumed["events"]] == ["warmup_resumed", "warmup_paused"]
        assert PhoneNumberEvent.objects.filter(actor=member).count() == 2

    def test_pausing_paused_or_disabled_warmup_is_a_409(
        self, member_client, business, unchanged_db
    ):
        paused = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=WarmupHealthState.PAUSED
        )
        disabled = PhoneNumberFactory(business=business, warmup_enabled=False)

        with unchanged_db():
            responses = [
                member_client.post(url(n, "/warmup/pause"), {"reason": "r"}, format="json")
                for n in (paused, disabled)
            ]
            resume = member_client.post(url(disabled, "/warmup/resume"), {}, format="json")

        assert [r.status_code for r in responses] == [HTTPStatus.CONFLICT] * 2
        assert resume.status_code == HTTPStatus.CONFLICT
        assert resume.json()["type"] == "/problems/warmup-conflict"

    def test_resume_takes_no_fields(self, member_client, warming):
        response = member_client.post(url(warming, "/warmup/resume"), {"now": True}, format="json")

        assert response.status_code == HTTPStatus.BAD_REQUEST

    def test_warmup_of_another_business_is_a_404(self, member_client, other_business):
        theirs = PhoneNumberFactory(business=other_business, warmup_enabled=True)

        assert member_client.get(url(theirs, "/warmup")).status_code == HTTPStatus.NOT_FOUND
        response = member_client.post(url(theirs, "/warmup/pause"), {"reason": "r"}, format="json")
        assert response.status_code == HTTPStatus.NOT_FOUND
