"""POST /message-outcomes: a batch of outcomes, each accepted, a duplicate or refused."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from phonenumbers_app.vocabularies import InventoryState
from tests.conftest import client_for, db_state
from tests.factories import MembershipFactory, PhoneNumberFactory, UserFactory
from warmup.models import DailyRecipient, DailyStats, MessageOutcome

pytestmark = pytest.mark.django_db

URL = "/message-outcomes"
RECIPIENT = "+12125550123"


def post(client, body, **extra):
    return client.post(URL, json.dumps(body), content_type="application/json", **extra)


def item(line, message_id="m1", /, **fields) -> dict:
    """An outcome of `line` (a PhoneNumber); `field=...` leaves a field out."""
    value = {
        "messageId": message_id,
        "phoneNumberId": str(line.pk),
        "channel": "sms",
        "direction": "outbound",
        "outcome": "sent",
        "occurredAt": (timezone.now() - timedelta(minutes=1)).isoformat(),
    }
    value.update(fields)
    return {key: field for key, field in value.items() if field is not ...}


def outcomes_state() -> dict:
    return {
        **db_state(),
        "outcomes": list(MessageOutcome.objects.order_by("pk").values()),
        "stats": list(DailyStats.objects.order_by("pk").values()),
        "recipients": list(DailyRecipient.objects.order_by("pk").values()),
    }


def stats_of(number) -> DailyStats:
    return DailyStats.objects.get(phone_number=number)


@pytest.fixture
def number(business):
    return PhoneNumberFactory(business=business)


class TestAccepted:
    def test_a_batch_is_counted_into_the_number_s_day(self, member_client, number, business):
        response = post(
            member_client,
            {
                "outcomes": [
                    item(number, "m1", outcome="sent", recipient=RECIPIENT),
                    item(number, "m1", outcome="delivered", recipient=RECIPIENT),
                    item(number, "m2", channel="mms", outcome="carrier_rejected"),
                    item(number, "c1", channel="call", outcome="placed"),
                    item(number, "c1", channel="call", outcome="short"),
                    item(number, "m3", direction="inbound", outcome="opt_out"),
                ]
            },
        )
        assert response.status_code == 200, response.content
        assert response.json() == {"accepted": 6, "duplicates": 0, "refused": []}
        stats = stats_of(number)
        assert stats.business_id == business.pk
        assert (stats.sms_sent, stats.sms_delivered, stats.mms_carrier_rejected) == (1, 1, 1)
        assert (stats.calls_placed, stats.calls_short, stats.opt_outs) == (1, 1, 1)
        assert stats.recipients == 1
        assert MessageOutcome.objects.filter(business=business).count() == 6

    def test_a_number_may_be_named_by_its_e164_or_any_common_format(self, member_client, number):
        national = f"({number.number[2:5]}) {number.number[5:8]}-{number.number[8:]}"
        response = post(
            member_client,
            {
                "outcomes": [
                    item(number, "a", phoneNumberId=..., number=number.number),
                    item(number, "b", phoneNumberId=..., number=national),
                ]
            },
        )
        assert response.json()["accepted"] == 2
        assert stats_of(number).sms_sent == 2

    def test_the_day_is_the_eastern_day_of_occurred_at(self, staff_client, number):
        # 03:30 UTC on 27 November is 22:30 on the 26th in New York (EST, UTC-5).
        now = timezone.now()
        late = now.replace(hour=3, minute=30, second=0, microsecond=0)
        if late + timedelta(hours=2) > now:  # both moments in the past, whatever the hour
            late -= timedelta(days=1)
        before_midnight = late.isoformat().replace("+00:00", "Z")
        after_midnight = (late + timedelta(hours=2)).astimezone().isoformat()
        response = post(
            staff_client,
            {
                "outcomes": [
                    item(number, "a", occurredAt=before_midnight),
                    item(number, "b", occurredAt=after_midnight),
                ]
            },
        )
        assert response.json()["accepted"] == 2
        days = dict(DailyStats.objects.values_list("day", "sms_sent"))
        assert days == {late.date() - timedelta(days=1): 1, late.date(): 1}

    def test_stats_of_later_batches_add_up(self, member_client, number):
        for index in range(3):
            post(member_client, {"outcomes": [item(number, f"m{index}")]})
        assert stats_of(number).sms_sent == 3
        assert DailyStats.objects.count() == 1


class TestDuplicates:
    def test_within_a_batch_the_first_counts(self, member_client, number):
        body = {"outcomes": [item(number, "m1"), item(number, "m1"), item(number, "m1")]}
        assert post(member_client, body).json() == {
            "accepted": 1,
            "duplicates": 2,
            "refused": [],
        }
        assert stats_of(number).sms_sent == 1

    def test_across_batches(self, member_client, number):
        post(member_client, {"outcomes": [item(number, "m1"), item(number, "m2")]})
        body = {"outcomes": [item(number, "m1"), item(number, "m3")]}
        assert post(member_client, body).json() == {
            "accepted": 1,
            "duplicates": 1,
            "refused": [],
        }
        assert stats_of(number).sms_sent == 3

    def test_another_outcome_of_the_same_message_is_not_a_duplicate(self, member_client, number):
        body = {"outcomes": [item(number, "m1"), item(number, "m1", outcome="delivered")]}
        assert post(member_client, body).json()["accepted"] == 2

    def test_another_business_cannot_claim_a_message_id_first(
        self, member_client, number, other_business
    ):
        # The attacker reports our message id on their own number first.
        attacker = UserFactory(username="attacker")
        MembershipFactory(user=attacker, business=other_business)
        theirs = PhoneNumberFactory(business=other_business)
        claim = post(client_for(attacker), {"outcomes": [item(theirs, "m1")]})
        assert claim.json()["accepted"] == 1

        ours = post(member_client, {"outcomes": [item(number, "m1")]})
        assert ours.json() == {"accepted": 1, "duplicates": 0, "refused": []}
        assert stats_of(number).sms_sent == 1
        assert stats_of(theirs).sms_sent == 1


class TestRefused:
    def test_another_tenant_s_number_is_refused_and_the_rest_accepted(
        self, member_client, number, other_business
    ):
        theirs = PhoneNumberFactory(business=other_business)
        response = post(
            member_client,
            {
                "outcomes": [
                    item(theirs, "x1"),
                    item(number, "m1"),
                    item(theirs, "x2", phoneNumberId=..., number=theirs.number),
                ]
            },
        )
        body = response.json()
        assert body["accepted"] == 1
        assert [(r["index"], r["messageId"], list(r["errors"])) for r in body["refused"]] == [
            (0, "x1", ["phoneNumberId"]),
            (2, "x2", ["number"]),
        ]
        assert (
            "among the numbers your API key can see"
            in body["refused"][0]["errors"]["phoneNumberId"][0]
        )
        assert not DailyStats.objects.filter(phone_number=theirs).exists()
        assert not MessageOutcome.objects.filter(message_id__startswith="x").exists()

    def test_a_tenant_s_released_number_is_refused_like_a_missing_one(
        self, member_client, business, number
    ):
        released = PhoneNumberFactory(business=business, inventory_state=InventoryState.RELEASED)
        body = post(member_client, {"outcomes": [item(released, "r1"), item(number, "m1")]}).json()
        assert body["accepted"] == 1
        assert (
            "among the numbers your API key can see"
            in (body["refused"][0]["errors"]["phoneNumberId"][0])
        )
        assert not DailyStats.objects.filter(phone_number=released).exists()

    def test_staff_are_told_a_number_is_released_or_pool_stock(
        self, staff_client, business, number
    ):
        released = PhoneNumberFactory(business=business, inventory_state=InventoryState.RELEASED)
        pool = PhoneNumberFactory()
        body = post(
            staff_client,
            {"outcomes": [item(released, "r1"), item(pool, "p1"), item(number, "m1")]},
        ).json()
        assert body["accepted"] == 1
        errors = [r["errors"]["phoneNumberId"][0] for r in body["refused"]]
        assert "released" in errors[0]
        assert "pool numbers send nothing" in errors[1]
        assert DailyStats.objects.get().phone_number_id == number.pk

    def test_staff_reporting_by_number_reach_the_current_row_not_a_released_one(
        self, staff_client, business, number
    ):
        PhoneNumberFactory(
            number=number.number, business=business, inventory_state=InventoryState.RELEASED
        )
        body = {"outcomes": [item(number, "m1", phoneNumberId=..., number=number.number)]}
        assert post(staff_client, body).json()["accepted"] == 1
        assert stats_of(number).sms_sent == 1

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"messageId": ...}, "messageId", "This field is required."),
            ({"messageId": 5}, "messageId", "Must be a string."),
            ({"messageId": "a\x00b"}, "messageId", "Null characters are not allowed."),
            ({"errorCode": "\ud800"}, "errorCode", "lone surrogate"),
            ({"messageId": "x" * 256}, "messageId", "no more than 255 characters"),
            ({"phoneNumberId": ...}, "number", "Send the number or its phoneNumberId."),
            ({"number": "+12125550100"}, "number", "not both"),
            ({"phoneNumberId": "nope"}, "phoneNumberId", "Must be a UUID"),
            ({"channel": "fax"}, "channel", "'fax' is not one of: sms, mms, call."),
            ({"direction": None}, "direction", "This field is required."),
            ({"outcome": "placed"}, "outcome", "'placed' is a call outcome"),
            ({"channel": "call", "outcome": "delivered"}, "outcome", "is a message outcome"),
            ({"occurredAt": "yesterday"}, "occurredAt", "ISO 8601"),
            ({"occurredAt": "2026-03-08T14:30:00"}, "occurredAt", "UTC offset"),
            ({"occurredAt": 1700000000}, "occurredAt", "ISO 8601"),
            ({"errorCode": ["30007"]}, "errorCode", "Must be a string."),
            ({"recipient": "not a number"}, "recipient", "Not a phone number"),
            ({"recipient": "+1212555"}, "recipient", "not a valid phone number"),
            ({"sentBy": "me"}, "sentBy", "Unknown field."),
        ],
    )
    def test_a_bad_field_refuses_its_item_with_a_message(
        self, member_client, number, fields, field, message
    ):
        bad = item(number, "bad", **fields)
        body = post(member_client, {"outcomes": [bad, item(number, "good")]}).json()
        assert body["accepted"] == 1
        (refusal,) = body["refused"]
        assert refusal["index"] == 0
        assert message in refusal["errors"][field][0], refusal

    def test_an_item_that_is_not_an_object_is_refused(self, member_client, number):
        body = post(member_client, {"outcomes": ["m1", item(number)]}).json()
        assert body["refused"] == [
            {
                "index": 0,
                "messageId": None,
                "errors": {"item": ["Expected a JSON object, got a str."]},
            }
        ]
        assert body["accepted"] == 1

    def test_times_too_far_ahead_or_older_than_the_window_are_refused(
        self, member_client, number, settings
    ):
        settings.WARMUP_OUTCOME_RETENTION_DAYS = 3
        now = timezone.now()
        body = post(
            member_client,
            {
                "outcomes": [
                    item(number, "a", occurredAt=(now + timedelta(minutes=10)).isoformat()),
                    item(number, "b", occurredAt=(now - timedelta(days=3, hours=1)).isoformat()),
                    item(number, "c", occurredAt=(now + timedelta(minutes=4)).isoformat()),
                    item(number, "d", occurredAt=(now - timedelta(days=2, hours=23)).isoformat()),
                ]
            },
        ).json()
        assert body["accepted"] == 2
        first, second = (r["errors"]["occurredAt"][0] for r in body["refused"])
        assert "more than 5 minutes in the future" in first
        assert "older than the 3-day window" in second
        assert "could no longer be recognised" in second

    def test_a_refused_batch_writes_nothing(self, member_client, other_business):
        theirs = PhoneNumberFactory(business=other_business)
        before = outcomes_state()
        body = post(member_client, {"outcomes": [item(theirs), {"messageId": "x"}]}).json()
        assert body["accepted"] == 0 and len(body["refused"]) == 2
        assert outcomes_state() == before


class TestWholeBatch400:
    @pytest.mark.parametrize(
        ("body", "field", "message"),
        [
            ([], "body", "Expected a JSON object"),
            ({}, "outcomes", "This field is required."),
            ({"outcomes": []}, "outcomes", "at least one"),
            ({"outcomes": {"messageId": "m1"}}, "outcomes", "Must be a list"),
            ({"outcomes": None}, "outcomes", "null"),
            ({"outcomes": "m1"}, "outcomes", "Must be a list"),
            ({"outcomes": [{}] * 1001}, "outcomes", "at most 1,000"),
        ],
    )
    def test_a_batch_that_is_not_one_is_a_400_that_writes_nothing(
        self, member_client, number, body, field, message
    ):
        if isinstance(body, dict) and body.get("outcomes") == [{}] * 1001:
            body = {"outcomes": [item(number, f"m{i}") for i in range(1001)]}
        before = outcomes_state()
        response = post(member_client, body)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "/problems/validation-error"
        assert message in problem["errors"][field][0]
        assert outcomes_state() == before

    def test_unknown_top_level_fields_are_a_400(self, member_client, number):
        before = outcomes_state()
        response = post(member_client, {"outcomes": [item(number)], "dryRun": True})
        assert response.status_code == 400
        assert "dryRun" in response.json()["errors"]
        assert outcomes_state() == before

    def test_without_an_api_key_it_is_a_401(self, client, number):
        response = post(client, {"outcomes": [item(number)]})
        assert response.status_code == 401
        assert not MessageOutcome.objects.exists()


class TestRecipients:
    def test_distinct_outbound_recipients_per_day(self, member_client, number):
        other = "+12125550124"
        post(
            member_client,
            {
                "outcomes": [
                    item(number, "m1", recipient=RECIPIENT),
                    item(number, "m1", outcome="delivered", recipient=RECIPIENT),
                    item(number, "m2", recipient="(212) 555-0123"),  # the same person
                    item(number, "m3", recipient=other),
                    # Inbound and calls do not count as messaged.
                    item(
                        number,
                        "m4",
                        direction="inbound",
                        outcome="received",
                        recipient="+12125550125",
                    ),
                    item(number, "c1", channel="call", outcome="placed", recipient="+12125550126"),
                ]
            },
        )
        assert stats_of(number).recipients == 2
        post(member_client, {"outcomes": [item(number, "m5", recipient=other)]})
        assert stats_of(number).recipients == 2
        assert set(DailyRecipient.objects.values_list("recipient", flat=True)) == {
            RECIPIENT,
            other,
        }


class TestCapacity:
    def test_sent_messages_and_placed_calls_add_to_the_shared_counters(
        self, member_client, number, django_capture_on_commit_callbacks
    ):
        from warmup import capacity

        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            post(
                member_client,
                {
                    "outcomes": [
                        item(number, "m1", occurredAt=now.isoformat()),
                        item(number, "m2", channel="mms", occurredAt=now.isoformat()),
                        item(number, "m2", outcome="delivered", occurredAt=now.isoformat()),
                        item(
                            number,
                            "c1",
                            channel="call",
                            outcome="placed",
                            occurredAt=now.isoformat(),
                        ),
                        item(
                            number,
                            "c1",
                            channel="call",
                            outcome="placed",
                            occurredAt=now.isoformat(),
                        ),
                    ]
                },
            )
        used = capacity.used([number.pk], now=now)[number.pk]
        assert used == {
            "sms": {"minute": 2, "hour": 2, "day": 2},
            "voice": {"minute": 1, "hour": 1, "day": 1},
        }

    def test_a_duplicate_uses_no_capacity(
        self, member_client, number, django_capture_on_commit_callbacks
    ):
        from warmup import capacity

        now = timezone.now()
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                post(member_client, {"outcomes": [item(number, "m1", occurredAt=now.isoformat())]})
        assert capacity.used([number.pk], now=now)[number.pk]["sms"]["day"] == 1


class TestQueries:
    def test_the_queries_of_a_batch_do_not_grow_with_its_size(
        self, staff_client, business, locmem_cache
    ):
        numbers = [PhoneNumberFactory(business=business) for _ in range(5)]

        def queries(size: int, prefix: str) -> int:
            body = {
                "outcomes": [
                    item(
                        numbers[i % 5],
                        f"{prefix}{i}",
                        recipient=f"+1212555{i % 100:04d}",
                        **(
                            {"phoneNumberId": ..., "number": numbers[i % 5].number} if i % 2 else {}
                        ),
                    )
                    for i in range(size)
                ]
            }
            with CaptureQueriesContext(connection) as captured:
                response = post(staff_client, body)
            assert response.json()["accepted"] == size
            return len(captured)

        assert queries(1000, "big") == queries(3, "small")


class TestIdempotency:
    def test_a_retry_with_the_key_replays_the_answer_and_counts_nothing_again(
        self, member_client, number
    ):
        body = {"outcomes": [item(number, "m1"), item(number, "m2")]}
        first = post(member_client, body, HTTP_IDEMPOTENCY_KEY="batch-1")
        again = post(member_client, body, HTTP_IDEMPOTENCY_KEY="batch-1")
        assert again["Idempotent-Replayed"] == "true"
        assert again.content == first.content
        assert stats_of(number).sms_sent == 2


def test_a_message_id_the_answer_cannot_carry_is_not_echoed(member_client, number):
    raw = '{"outcomes": [{"messageId": "\\ud800", "channel": "sms"}]}'
    response = member_client.post(URL, raw, content_type="application/json")
    (refusal,) = response.json()["refused"]
    assert refusal["messageId"] is None
    assert "lone surrogate" in refusal["errors"]["messageId"][0]


def test_stats_rows_are_keyed_by_day(member_client, number):
    post(member_client, {"outcomes": [item(number)]})
    assert isinstance(stats_of(number).day, date)
    assert isinstance(MessageOutcome.objects.get().occurred_at, datetime)
