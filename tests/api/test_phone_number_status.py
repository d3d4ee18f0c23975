"""GET /phone-numbers/{id}/warmup and GET /phone-numbers/{number}/status: the published
document's PhoneNumberStatusResponse, computed from the engine's rows, the plan, the
capacity counters and the daily stats of the number's current owner."""

from __future__ import annotations

import datetime
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.conftest import DEAD_REDIS_URL, client_for
from tests.factories import MembershipFactory, PhoneNumberFactory, UserFactory
from tests.seed_document import load_seed_document, seed_errors, seed_validator
from warmup import capacity, clock, plans, reservations
from warmup.models import DailyStats, MessageOutcome, NumberWarmup, WarmupPlan
from warmup.vocabularies import Channel, Direction, EngineAction, Outcome, PacingStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_cache")]

W = WarmupHealthState
NUMBER = "+14155552671"
# What the published document declares, beside which every answer carries ours.
PUBLISHED = (
    "number",
    "messagesPossible",
    "callsPossible",
    "smsWarmup",
    "outboundCapacity",
    "optOutMetrics",
    "trafficMetrics",
    "recentEvents",
)
OURS = (
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
    "plan",
    "planDay",
    "planDays",
    "limits",
    "lastAction",
    "sendingBlockedReason",
    "window",
)


# --- Small factories of the rows other parts of the app write --------------------


def stats(number, day: datetime.date, *, business=None, **counts) -> DailyStats:
    return DailyStats.objects.create(
        phone_number=number, business=business or number.business, day=day, **counts
    )


def outcome(number, message_id: str, kind: str, *, business=None, at=None, **fields):
    fields.setdefault("channel", Channel.CALL if kind == Outcome.PLACED else Channel.SMS)
    fields.setdefault(
        "direction", Direction.INBOUND if kind == Outcome.RECEIVED else Direction.OUTBOUND
    )
    return MessageOutcome.objects.create(
        business=business or number.business,
        phone_number=number,
        message_id=message_id,
        outcome=kind,
        occurred_at=at or timezone.now(),
        **fields,
    )


def engine_row(number, **fields) -> NumberWarmup:
    return NumberWarmup.objects.create(phone_number=number, **fields)


def today() -> datetime.date:
    return clock.eastern_day(timezone.now())


def default_plan() -> WarmupPlan:
    return WarmupPlan.objects.get(is_default=True)


# --- Fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def published():
    """Asserts a body is the published document's PhoneNumberStatusResponse, every
    property it declares (nested ones too) present and date-times well formed."""
    validator = seed_validator(load_seed_document(), "PhoneNumberStatusResponse", strict=True)

    def check(body: dict) -> dict:
        errors = seed_errors(validator, body)
        assert not errors, errors
        return body

    return check


@pytest.fixture
def number(business):
    """A number warmup has not started on, that may text and call."""
    return PhoneNumberFactory(
        number=NUMBER,
        business=business,
        name="Front desk",
        warmup_enabled=True,
        warmup_state=W.NOT_STARTED,
        health_status=W.NOT_STARTED,
        routing_sms_enabled=True,
        routing_voice_enabled=True,
    )


@pytest.fixture
def warming(number):
    """Day 5 of the default plan, healthy, with traffic."""
    number.warmup_state, number.health_status = W.WARMING, W.HEALTHY
    number.warmup_health_score, number.warmup_progress_percent = 93, 19
    number.health_reason = "Delivery 98% over the last 7 days."
    number.save()
    number.ten_dlc.campaign_status = "Approved"
    number.ten_dlc.save()
    engine_row(
        number,
        plan_day=5,
        pacing_status=PacingStatus.WARMUP,
        last_action=EngineAction.ADVANCED,
        last_action_reason="Used 92% of yesterday's allowance with healthy signals.",
        last_action_at=timezone.now() - timedelta(hours=3),
    )
    return number


def warmup_url(number) -> str:
    return f"/phone-numbers/{number.pk}/warmup"


def status_url(e164: str) -> str:
    return f"/phone-numbers/{quote(e164, safe='')}/status"


# --- Shape: every answer is the published document's, with ours beside it --------


class TestNewNumber:
    def test_both_answers_are_the_published_shape_with_ours_beside_it(
        self, member_client, number, published
    ):
        by_id = member_client.get(warmup_url(number))
        by_number = member_client.get(status_url(NUMBER))

        assert by_id.status_code == by_number.status_code == HTTPStatus.OK
        body = published(by_id.json())
        assert set(body) == set(PUBLISHED) | set(OURS)  # no name is both
        # The same answer by either door (the events' ids and times aside, there are none).
        assert by_number.json() == body
        assert by_id["ETag"] == by_number["ETag"] == number.etag

    def test_a_number_the_engine_has_not_seen_is_new_on_day_0_at_day_1_limits(
        self, member_client, number
    ):
        body = member_client.get(warmup_url(number)).json()

        day_1 = plans.limits(default_plan(), 1)
        assert (body["planDay"], body["planDays"]) == (0, default_plan().duration_days)
        assert body["plan"] == {"id": str(default_plan().pk), "name": default_plan().name}
        assert body["lastAction"] is None
        assert body["outboundCapacity"]["healthStatus"] == "new"
        assert body["limits"] == {
            "smsPerMinute": day_1.sms_minute,
            "smsPerHour": day_1.sms_hour,
            "smsPerDay": day_1.sms_day,
            "voiceStage": 0,
            "callsPerMinute": day_1.voice_minute,
            "callsPerHour": day_1.voice_hour,
            "callsPerDay": day_1.voice_day,
        }
        assert body["messagesPossible"] == min(day_1.sms_minute, day_1.sms_hour, day_1.sms_day)
        assert body["callsPossible"] == min(day_1.voice_minute, day_1.voice_hour)
        assert body["sendingBlockedReason"] == {"sms": None, "voice": None}
        assert body["smsWarmup"]["status"] == "Not Started"
        assert body["smsWarmup"]["uiState"]["label"] == "Not Started"
        capacity_body = body["outboundCapacity"]
        assert capacity_body["capacityAvailable"] is True
        assert capacity_body["smsRamping"] is capacity_body["voiceRamping"] is True
        assert capacity_body["smsApproved"] is False
        assert (capacity_body["smsUsedToday"], capacity_body["smsLimitToday"]) == (0, 20)
        assert body["recentEvents"] == []
        assert len(body["trafficMetrics"]["trend"]) == 7
        assert body["optOutMetrics"]["optOutRatePercent"] == 0

    def test_a_number_that_does_not_warm_up_sends_at_the_plans_full_limits(
        self, member_client, number
    ):
        number.warmup_enabled, number.warmup_state = False, None
        number.save()

        body = member_client.get(warmup_url(number)).json()

        last = plans.limits(default_plan(), default_plan().duration_days)
        assert body["limits"]["smsPerDay"] == last.sms_day
        assert body["outboundCapacity"]["healthStatus"] == "unknown"
        assert body["outboundCapacity"]["smsRamping"] is False
        assert body["smsWarmup"]["uiState"]["description"].startswith("Warmup is off")


class TestWarmingWithTraffic:
    def test_units_held_for_selected_sends_count_as_used_until_reported(
        self, member_client, warming, published
    ):
        now = timezone.now()
        limits = plans.limits(default_plan(), 5)
        windows = (limits.sms_minute, limits.sms_hour, limits.sms_day)
        for _ in range(2):
            assert reservations.reserve(warming.pk, capacity.SMS, windows, now=now)

        cap = published(member_client.get(warmup_url(warming)).json())["outboundCapacity"]
        assert (cap["smsUsedThisMinute"], cap["smsUsedToday"]) == (2, 2)
        assert cap["voiceUsedThisMinute"] == 0

        reservations.release({(warming.pk, capacity.SMS): 2}, now=now)
        cap = published(member_client.get(warmup_url(warming)).json())["outboundCapacity"]
        assert cap["smsUsedThisMinute"] == 0

    def test_capacity_counts_what_was_sent_this_minute_hour_and_day(
        self, member_client, warming, published
    ):
        now = timezone.now()
        capacity.record_usage(
            {
                (warming.pk, capacity.SMS, now): 2,
                (warming.pk, capacity.SMS, now - timedelta(hours=2)): 5,
                (warming.pk, capacity.VOICE, now): 1,
            },
            now=now,
        )

        body = published(member_client.get(warmup_url(warming)).json())

        day_5 = plans.limits(default_plan(), 5)
        cap = body["outboundCapacity"]
        earlier_today = clock.eastern_day(now - timedelta(hours=2)) == clock.eastern_day(now)
        assert (cap["smsUsedThisMinute"], cap["smsUsedThisHour"]) == (2, 2)
        assert cap["smsUsedToday"] == (7 if earlier_today else 2)
        assert cap["smsLimitToday"] == day_5.sms_day
        assert cap["smsRemainingThisHour"] == day_5.sms_hour - 2
        assert cap["voiceUsedThisMinute"] == 1
        assert cap["smsApproved"] is True
        assert cap["healthStatus"] == "warmup"
        assert cap["healthReason"] == "Delivery 98% over the last 7 days."
        assert body["messagesPossible"] == min(
            cap["smsRemainingThisMinute"], cap["smsRemainingThisHour"], cap["smsRemainingToday"]
        )
        assert body["callsPossible"] == min(
            cap["voiceRemainingThisMinute"],
            cap["voiceRemainingThisHour"],
            cap["voiceRemainingToday"],
        )
        resets = capacity.resets(now)
        assert cap["smsDailyResetsAt"] == resets["day"].isoformat().replace("+00:00", "Z")
        assert cap["voiceHourlyResetsAt"] == resets["hour"].isoformat().replace("+00:00", "Z")
        assert body["planDay"] == 5
        assert body["lastAction"]["action"] == "advanced"
        assert body["lastAction"]["reason"].startswith("Used 92%")
        assert body["smsWarmup"]["status"] == "In Progress"
        assert body["smsWarmup"]["healthScore"] == 93
        assert body["smsWarmup"]["uiState"]["tone"] == "info"
        assert (
            f"Day 5 of {default_plan().duration_days}"
            in (body["smsWarmup"]["uiState"]["description"])
        )

    def test_metrics_sum_the_windows_days_and_trend_has_one_point_a_day(
        self, member_client, warming, published
    ):
        day = today()
        stats(warming, day, sms_sent=10, sms_failed=1, sms_carrier_rejected=1, recipients=8)
        stats(warming, day - timedelta(days=2), sms_sent=5, opt_outs=1, recipients=4)
        stats(warming, day - timedelta(days=3), calls_placed=4, calls_connected=3, calls_short=1)
        stats(warming, day - timedelta(days=10), sms_sent=99, recipients=99)  # outside

        body = published(member_client.get(warmup_url(warming), {"windowDays": 5}).json())

        traffic = body["trafficMetrics"]
        assert traffic["windowDays"] == 5
        assert (traffic["smsSentCount"], traffic["smsFailedCount"]) == (15, 2)
        assert (traffic["callPlacedCount"], traffic["callConnectedCount"]) == (4, 3)
        assert traffic["callShortCount"] == 1
        assert [point["smsSentCount"] for point in traffic["trend"]] == [0, 0, 5, 0, 10]
        assert [point["callPlacedCount"] for point in traffic["trend"]] == [0, 4, 0, 0, 0]
        first = day - timedelta(days=4)
        assert traffic["windowStartedAt"] == iso(clock.day_start(first))
        assert traffic["trend"][0]["startAt"] == iso(clock.day_start(first))
        assert traffic["trend"][-1]["endAt"] == iso(clock.next_midnight(timezone.now()))
        assert traffic["trend"][0]["label"] == f"{first:%b} {first.day}"
        opt_outs = body["optOutMetrics"]
        assert (opt_outs["distinctContactedCount"], opt_outs["optOutCount"]) == (12, 1)
        assert opt_outs["optOutRatePercent"] == 8.33
        assert body["window"] == {
            "startDate": first.isoformat(),
            "endDate": day.isoformat(),
            "windowDays": 5,
        }

    def test_recent_events_are_the_latest_outcomes_newest_first(
        self, member_client, warming, published
    ):
        now = timezone.now()
        recipient = "+12025550101"
        outcome(warming, "m1", Outcome.SENT, at=now - timedelta(minutes=3), recipient=recipient)
        outcome(warming, "m1", Outcome.OPT_OUT, at=now - timedelta(minutes=1), recipient=recipient)
        outcome(warming, "m2", Outcome.RECEIVED, at=now - timedelta(minutes=2))
        outcome(warming, "c1", Outcome.PLACED, at=now - timedelta(minutes=4), error_code=None)
        for i in range(25):
            outcome(warming, f"old{i}", Outcome.DELIVERED, at=now - timedelta(days=1, minutes=i))

        body = published(member_client.get(warmup_url(warming)).json())

        events = body["recentEvents"]
        assert len(events) == 20
        assert [e["messageId"] for e in events[:4]] == ["m1", "m2", "m1", "c1"]
        opt_out, received, sent, placed = events[:4]
        assert opt_out["isOptOut"] is True and sent["isOptOut"] is False
        assert opt_out["eventType"] == "sms.opt_out"
        assert (sent["fromPhoneNumber"], sent["toPhoneNumber"]) == (NUMBER, "+12025550101")
        assert (received["direction"], received["toPhoneNumber"]) == ("inbound", NUMBER)
        assert received["fromPhoneNumber"] == ""  # not reported
        assert placed["eventType"] == "call.placed"
        assert {e["textPreview"] for e in events} == {""}


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- When it may not send ---------------------------------------------------------


class TestCannotSend:
    @pytest.mark.parametrize(
        ("change", "reason"),
        [
            ({"enabled": False}, "The number is disabled."),
            ({"status": PhoneNumberStatus.SUSPENDED}, "The number is suspended."),
            (
                {"warmup_state": W.PAUSED, "warmup_pause_reason": "Carrier complaints"},
                "Warmup is paused: Carrier complaints",
            ),
            ({"warmup_state": W.BLOCKED, "health_reason": "Spam"}, "Warmup is blocked: Spam"),
        ],
    )
    def test_a_number_that_may_not_send_can_send_nothing(
        self, member_client, warming, published, change, reason
    ):
        for field, value in change.items():
            setattr(warming, field, value)
        warming.save()

        body = published(member_client.get(warmup_url(warming)).json())

        assert (body["messagesPossible"], body["callsPossible"]) == (0, 0)
        assert body["sendingBlockedReason"] == {"sms": reason, "voice": reason}
        # The windows' arithmetic is still shown.
        assert body["outboundCapacity"]["smsLimitToday"] > 0

    def test_paused_says_so_in_the_ui_state_and_can_be_resumed(self, member_client, warming):
        warming.warmup_state, warming.warmup_pause_reason = W.PAUSED, "Carrier complaints"
        warming.save()

        body = member_client.get(warmup_url(warming)).json()

        assert body["smsWarmup"]["uiState"] == {
            "label": "Paused",
            "tone": "warning",
            "description": "Warmup is paused: Carrier complaints",
        }
        assert (body["canPause"], body["canResume"]) == (False, True)

    def test_the_engines_cooldown_and_suspension_stop_sending(self, member_client, warming):
        NumberWarmup.objects.filter(phone_number=warming).update(
            pacing_status=PacingStatus.COOLING_DOWN
        )
        cooling = member_client.get(warmup_url(warming)).json()
        NumberWarmup.objects.filter(phone_number=warming).update(
            pacing_status=PacingStatus.SUSPENDED
        )
        suspended = member_client.get(warmup_url(warming)).json()

        assert cooling["messagesPossible"] == suspended["messagesPossible"] == 0
        assert cooling["outboundCapacity"]["healthStatus"] == "cooling_down"
        assert suspended["sendingBlockedReason"]["sms"].startswith("The warmup engine suspended")

    def test_a_channel_not_routed_or_not_capable_is_closed_alone(self, member_client, number):
        number.routing_voice_enabled = False
        number.save()
        no_voice = member_client.get(warmup_url(number)).json()
        number.routing_voice_enabled, number.capability_sms = True, False
        number.save()
        no_sms = member_client.get(warmup_url(number)).json()

        assert no_voice["callsPossible"] == 0 and no_voice["messagesPossible"] > 0
        assert "voiceEnabled is false" in no_voice["sendingBlockedReason"]["voice"]
        assert no_sms["messagesPossible"] == 0 and no_sms["callsPossible"] > 0
        assert no_sms["sendingBlockedReason"]["sms"] == "The number cannot send SMS."

    def test_a_released_number_is_gone_for_its_business_and_closed_for_staff(
        self, member_client, staff_client, warming, published
    ):
        warming.inventory_state, warming.enabled = InventoryState.RELEASED, False
        warming.save()

        assert member_client.get(warmup_url(warming)).status_code == HTTPStatus.NOT_FOUND
        assert member_client.get(status_url(NUMBER)).status_code == HTTPStatus.NOT_FOUND
        body = published(staff_client.get(warmup_url(warming)).json())
        assert (body["messagesPossible"], body["callsPossible"]) == (0, 0)
        assert body["sendingBlockedReason"]["sms"] == "The number is released."


class TestCountersDown:
    @pytest.fixture
    def dead_counters(self, settings):
        settings.REDIS_URL = DEAD_REDIS_URL
        capacity.redis_client.cache_clear()
        yield
        capacity.redis_client.cache_clear()

    def test_capacity_unavailable_is_zeros_and_nothing_may_be_sent(
        self, member_client, warming, published, dead_counters
    ):
        stats(warming, today(), sms_sent=3)

        response = member_client.get(warmup_url(warming))

        assert response.status_code == HTTPStatus.OK
        body = published(response.json())
        cap = body["outboundCapacity"]
        assert cap["capacityAvailable"] is False
        counts = {key: value for key, value in cap.items() if isinstance(value, int)}
        counts = {key: value for key, value in counts.items() if not isinstance(value, bool)}
        assert set(counts.values()) == {0} and len(counts) == 18
        assert (body["messagesPossible"], body["callsPossible"]) == (0, 0)
        assert "counters are unavailable" in body["sendingBlockedReason"]["sms"]
        # The rest of the answer does not depend on the counters.
        assert body["trafficMetrics"]["smsSentCount"] == 3
        assert body["limits"]["smsPerDay"] == plans.limits(default_plan(), 5).sms_day


# --- Tenancy --------------------------------------------------------------------


class TestTenancy:
    def test_another_businesses_number_is_a_404_by_id_and_by_number(
        self, member_client, other_business
    ):
        theirs = PhoneNumberFactory(number=NUMBER, business=other_business, warmup_enabled=True)

        assert member_client.get(warmup_url(theirs)).status_code == HTTPStatus.NOT_FOUND
        assert member_client.get(status_url(NUMBER)).status_code == HTTPStatus.NOT_FOUND

    def test_a_number_moved_to_another_business_shows_only_the_new_owners_traffic(
        self, member_client, staff_client, business, other_business, warming
    ):
        # The previous owner (the member's business) sent and heard back...
        stats(warming, today(), sms_sent=40, opt_outs=3, recipients=40)
        outcome(warming, "theirs-1", Outcome.OPT_OUT, recipient="+12025550199")
        # ...then the number moved to another business, which sent a little.
        warming.business = other_business
        warming.save()
        stats(warming, today(), sms_sent=2, recipients=2)
        outcome(warming, "mine-1", Outcome.SENT)
        newcomer = UserFactory(username="newcomer")
        MembershipFactory(user=newcomer, business=other_business)

        new_owner = client_for(newcomer).get(warmup_url(warming), {"windowDays": 90}).json()
        by_number = client_for(newcomer).get(status_url(NUMBER)).json()
        staff = staff_client.get(warmup_url(warming)).json()

        for body in (new_owner, by_number, staff):
            assert body["trafficMetrics"]["smsSentCount"] == 2
            assert body["optOutMetrics"]["optOutCount"] == 0
            assert [e["messageId"] for e in body["recentEvents"]] == ["mine-1"]
        # The previous owner no longer sees the number at all.
        assert member_client.get(warmup_url(warming)).status_code == HTTPStatus.NOT_FOUND
        assert member_client.get(status_url(NUMBER)).status_code == HTTPStatus.NOT_FOUND

    def test_staff_reading_a_pool_number_see_every_owners_traffic(
        self, staff_client, business, other_business, number
    ):
        stats(number, today(), sms_sent=4)
        stats(number, today(), sms_sent=6, business=other_business)
        outcome(number, "a", Outcome.SENT)
        outcome(number, "b", Outcome.SENT, business=other_business)
        number.business, number.inventory_state = None, InventoryState.AVAILABLE
        number.save()

        body = staff_client.get(warmup_url(number)).json()

        assert body["trafficMetrics"]["smsSentCount"] == 10
        assert body["trafficMetrics"]["trend"][-1]["smsSentCount"] == 10
        assert {e["messageId"] for e in body["recentEvents"]} == {"a", "b"}


# --- The number in the path --------------------------------------------------------


class TestByNumber:
    def test_the_number_is_read_url_encoded_or_as_typed(self, member_client, number):
        encoded = member_client.get(f"/phone-numbers/{quote(NUMBER, safe='')}/status")
        plus = member_client.get(f"/phone-numbers/{NUMBER}/status/")
        national = member_client.get("/phone-numbers/(415)%20555-2671/status")

        assert encoded.status_code == plus.status_code == national.status_code == HTTPStatus.OK
        assert encoded.json()["number"] == plus.json()["number"] == national.json()["number"]

    @pytest.mark.parametrize("path", ["not-a-number", "+1415", "+999123", str(datetime.date.min)])
    def test_what_is_not_a_number_is_a_400_problem(self, member_client, number, path):
        response = member_client.get(f"/phone-numbers/{quote(path, safe='')}/status")

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert response["Content-Type"].startswith("application/problem+json")
        assert list(response.json()["errors"]) == ["phoneNumber"]

    def test_a_number_nobody_has_is_a_404(self, member_client, number):
        response = member_client.get(status_url("+12125550123"))

        assert response.status_code == HTTPStatus.NOT_FOUND

    def test_staff_get_the_unreleased_row_of_a_number_released_and_created_again(
        self, staff_client, business, other_business
    ):
        old = PhoneNumberFactory(
            number=NUMBER,
            business=business,
            inventory_state=InventoryState.RELEASED,
            provider_released_at=timezone.now(),
        )
        new = PhoneNumberFactory(number=NUMBER, business=other_business)
        PhoneNumberFactory(
            number=NUMBER,
            business=business,
            inventory_state=InventoryState.RELEASED,
            provider_released_at=timezone.now() - timedelta(days=30),
        )
        stats(old, today(), sms_sent=50)

        body = staff_client.get(status_url(NUMBER)).json()

        assert body["smsWarmup"]["phoneNumberId"] == str(new.pk)
        assert body["trafficMetrics"]["smsSentCount"] == 0
        new.inventory_state = InventoryState.RELEASED
        new.provider_released_at = timezone.now() - timedelta(days=60)
        new.save()
        latest_released = staff_client.get(status_url(NUMBER)).json()
        assert latest_released["smsWarmup"]["phoneNumberId"] == str(old.pk)


# --- The window -------------------------------------------------------------------


class TestWindow:
    @pytest.mark.parametrize(
        ("query", "field"),
        [
            ({"windowDays": "0"}, "windowDays"),
            ({"windowDays": "91"}, "windowDays"),
            ({"windowDays": "-3"}, "windowDays"),
            ({"windowDays": "seven"}, "windowDays"),
            ({"windowDays": "99999999999999999999"}, "windowDays"),
            ({"startDate": "2026-02-30"}, "startDate"),
            ({"endDate": "yesterday"}, "endDate"),
            ({"startDate": "2026-03-10", "endDate": "2026-03-01"}, "startDate"),
            ({"startDate": "2026-01-01", "endDate": "2026-06-01"}, "startDate"),
            ({"startDate": "2026-03-01", "endDate": "2026-03-03", "windowDays": "7"}, "windowDays"),
            ({"startDate": "1999-12-31", "windowDays": "3"}, "startDate"),
            ({"endDate": "9999-12-31"}, "endDate"),
        ],
    )
    def test_a_bad_window_is_a_400_naming_the_parameter(self, member_client, number, query, field):
        by_id = member_client.get(warmup_url(number), query)
        by_number = member_client.get(status_url(NUMBER), query)

        for response in (by_id, by_number):
            assert response.status_code == HTTPStatus.BAD_REQUEST, response.json()
            assert response["Content-Type"].startswith("application/problem+json")
            assert field in response.json()["errors"]

    def test_a_start_after_today_without_an_end_is_a_400(self, member_client, number):
        tomorrow = (today() + timedelta(days=1)).isoformat()

        response = member_client.get(warmup_url(number), {"startDate": tomorrow})

        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert "after today" in response.json()["errors"]["startDate"][0]

    def test_a_bad_number_and_a_bad_window_are_named_together(self, member_client, number):
        response = member_client.get(status_url("nope"), {"windowDays": "0"})

        assert set(response.json()["errors"]) == {"phoneNumber", "windowDays"}

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({}, 7),
            ({"windowDays": ""}, 7),  # the document's windowDays may be null: the default
            ({"windowDays": "1"}, 1),
            ({"windowDays": "90"}, 90),
            ({"startDate": "2026-03-01", "endDate": "2026-03-01"}, 1),
            ({"startDate": "2026-03-01", "endDate": "2026-05-29"}, 90),
            ({"startDate": "2026-03-01", "windowDays": "3"}, 3),
            ({"endDate": "2026-03-01", "windowDays": "3"}, 3),
            ({"endDate": "2026-03-01"}, 7),
        ],
    )
    def test_the_window_has_the_days_asked_for(self, member_client, number, query, expected):
        body = member_client.get(warmup_url(number), query).json()

        assert body["window"]["windowDays"] == expected
        assert body["trafficMetrics"]["windowDays"] == body["optOutMetrics"]["windowDays"]
        assert len(body["trafficMetrics"]["trend"]) == expected

    def test_trend_points_are_eastern_days_23_and_25_hours_long_at_the_changes(
        self, member_client, number
    ):
        # 2026-03-08 (clocks forward) and 2026-11-01 (clocks back) in New York.
        stats(number, datetime.date(2026, 3, 8), sms_sent=3)
        stats(number, datetime.date(2026, 11, 1), sms_sent=4)
        spring = member_client.get(
            warmup_url(number), {"startDate": "2026-03-07", "endDate": "2026-03-09"}
        ).json()["trafficMetrics"]
        autumn = member_client.get(
            warmup_url(number), {"startDate": "2026-10-31", "endDate": "2026-11-02"}
        ).json()["trafficMetrics"]

        assert [(p["startAt"], p["endAt"], p["smsSentCount"]) for p in spring["trend"]] == [
            ("2026-03-07T05:00:00Z", "2026-03-08T05:00:00Z", 0),
            ("2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", 3),  # 23 hours
            ("2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z", 0),
        ]
        assert [(p["startAt"], p["endAt"], p["smsSentCount"]) for p in autumn["trend"]] == [
            ("2026-10-31T04:00:00Z", "2026-11-01T04:00:00Z", 0),
            ("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", 4),  # 25 hours
            ("2026-11-02T05:00:00Z", "2026-11-03T05:00:00Z", 0),
        ]
        assert spring["windowStartedAt"] == "2026-03-07T05:00:00Z"
        assert [p["label"] for p in autumn["trend"]] == ["Oct 31", "Nov 1", "Nov 2"]


# --- Pause and resume answer the same -----------------------------------------------


def test_pause_and_resume_answer_the_status(member_client, warming, published):
    paused = member_client.post(
        warmup_url(warming) + "/pause", {"reason": "Carrier complaints"}, format="json"
    )
    resumed = member_client.post(warmup_url(warming) + "/resume", {}, format="json")

    assert paused.status_code == resumed.status_code == HTTPStatus.OK
    assert published(paused.json())["messagesPossible"] == 0
    assert published(resumed.json())["messagesPossible"] > 0
    assert set(resumed.json()) == set(PUBLISHED) | set(OURS)


# --- Queries -----------------------------------------------------------------------


class TestQueries:
    @pytest.fixture
    def busy(self, warming):
        for days_ago in range(90):
            stats(warming, today() - timedelta(days=days_ago), sms_sent=days_ago)
        for i in range(30):
            outcome(warming, f"m{i}", Outcome.DELIVERED)
        return warming

    @pytest.mark.parametrize("door", ["warmup", "status"])
    def test_queries_do_not_grow_with_the_window(self, member_client, busy, door):
        url = warmup_url(busy) if door == "warmup" else status_url(NUMBER)
        member_client.get(url)  # the rate limiter's first window, the key's first use

        counts = []
        for days in ("1", "90"):
            with CaptureQueriesContext(connection) as queries:
                assert member_client.get(url, {"windowDays": days}).status_code == 200
            counts.append(len(queries))

        assert counts[0] == counts[1]
        assert counts[0] == STATUS_QUERIES, [q["sql"] for q in queries.captured_queries]


# The key, the number with its joins, its warmup events, the plan (the number's own, else
# its business's, else the default, in one query), the window's daily stats, the recent
# outcomes; and, without Redis (as here), the capacity held for selected sends (in Redis
# in production: no query).
STATUS_QUERIES = 7
