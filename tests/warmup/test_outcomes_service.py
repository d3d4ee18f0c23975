"""warmup.services.outcomes: recording outcomes and purging what is kept to recognise repeats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import redis
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import PhoneNumberFactory, UserFactory
from warmup import capacity
from warmup.models import DailyRecipient, DailyStats, MessageOutcome
from warmup.outcome_input import FIELDS
from warmup.services.outcomes import MAX_BATCH, outcomes_purge, outcomes_record

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
REDIS_URL = "redis://127.0.0.1:6379/12"


def outcome(number, message_id, **fields) -> dict:
    value = {
        "messageId": message_id,
        "number": number.number,
        "channel": "sms",
        "direction": "outbound",
        "outcome": "sent",
        "occurredAt": (NOW - timedelta(minutes=1)).isoformat(),
    }
    return {**value, **fields}


@pytest.fixture
def staff(db):
    return UserFactory(username="ops", is_staff=True)


@pytest.fixture
def number(business):
    return PhoneNumberFactory(business=business)


class TestRecord:
    def test_per_channel_columns(self, staff, number):
        items = [
            outcome(number, f"s-{name}", outcome=name)
            for name in ("sent", "delivered", "failed", "carrier_rejected", "received")
        ]
        items += [
            outcome(number, f"m-{name}", channel="mms", outcome=name)
            for name in ("sent", "delivered", "failed", "carrier_rejected", "opt_out")
        ]
        items += [
            outcome(number, f"c-{name}", channel="call", outcome=name)
            for name in ("placed", "connected", "short", "invalid_number", "failed")
        ]
        items.append(outcome(number, "spam", outcome="spam_reported"))
        result = outcomes_record(user=staff, items=items, now=NOW)
        assert (result.accepted, result.duplicates, result.refused) == (len(items), 0, [])
        stats = DailyStats.objects.values().get()
        counted = {k: v for k, v in stats.items() if isinstance(v, int) and v and k != "id"}
        assert counted == {
            **dict.fromkeys(("sms_sent", "sms_delivered", "sms_failed"), 1),
            **dict.fromkeys(("sms_carrier_rejected", "received"), 1),
            **dict.fromkeys(("mms_sent", "mms_delivered", "mms_failed"), 1),
            **dict.fromkeys(("mms_carrier_rejected", "opt_outs", "spam_reports"), 1),
            **dict.fromkeys(("calls_placed", "calls_connected", "calls_short"), 1),
            **dict.fromkeys(("calls_invalid_number", "calls_failed"), 1),
        }

    def test_days_change_at_midnight_eastern_also_across_a_dst_change(self, staff, number):
        # 8 March 2026: clocks go forward at 2 a.m. in New York (EST -5 -> EDT -4).
        now = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
        items = [
            outcome(number, "a", occurredAt="2026-03-08T04:59:59Z"),  # 23:59:59 on the 7th
            outcome(number, "b", occurredAt="2026-03-08T05:00:00Z"),  # midnight on the 8th
            outcome(number, "c", occurredAt="2026-03-09T03:59:59Z"),  # 23:59:59 EDT on the 8th
            outcome(number, "d", occurredAt="2026-03-09T00:00:00-04:00"),  # midnight, 9th
        ]
        outcomes_record(user=staff, items=items, now=now)
        assert dict(DailyStats.objects.values_list("day", "sms_sent")) == {
            date(2026, 3, 7): 1,
            date(2026, 3, 8): 2,
            date(2026, 3, 9): 1,
        }

    def test_the_stats_row_belongs_to_the_owner_at_ingestion(self, staff, number, other_business):
        outcomes_record(user=staff, items=[outcome(number, "a")], now=NOW)
        number.business = other_business
        number.save()
        outcomes_record(user=staff, items=[outcome(number, "b")], now=NOW)
        assert sorted(DailyStats.objects.values_list("business__name", "sms_sent")) == [
            ("Acme Roofing", 1),
            ("Other Co", 1),
        ]

    @pytest.mark.parametrize("items", [None, {}, "x", [], [{}] * (MAX_BATCH + 1)])
    def test_a_batch_that_is_not_one_raises_and_writes_nothing(self, staff, items):
        with pytest.raises(ValidationError):
            outcomes_record(user=staff, items=items, now=NOW)
        assert not MessageOutcome.objects.exists()

    def test_the_documented_item_has_the_fields_that_are_read(self):
        from warmup.api.serializers import OutcomeItemInput

        assert tuple(OutcomeItemInput().fields) == FIELDS

    def test_counters_recorded_after_commit_in_the_default_cache(
        self, staff, number, django_capture_on_commit_callbacks
    ):
        at = NOW - timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            outcomes_record(user=staff, items=[outcome(number, "a")], now=NOW)
        assert capacity.used([number.pk], now=at)[number.pk]["sms"]["day"] == 0
        for callback in callbacks:
            callback()
        assert capacity.used([number.pk], now=at)[number.pk]["sms"] == {
            "minute": 1,
            "hour": 1,
            "day": 1,
        }


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.25).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason=f"needs Redis at {REDIS_URL}")
class TestRedisCounters:
    @pytest.fixture
    def in_redis(self, settings):
        settings.REDIS_URL = REDIS_URL
        capacity.redis_client.cache_clear()
        client = redis.Redis.from_url(REDIS_URL)
        client.flushdb()
        yield client
        client.flushdb()
        capacity.redis_client.cache_clear()

    def test_sent_and_placed_count_in_redis_with_expiry(
        self, in_redis, staff, number, django_capture_on_commit_callbacks
    ):
        now = datetime.now(UTC)
        items = [
            outcome(number, "a", occurredAt=now.isoformat()),
            outcome(number, "b", occurredAt=now.isoformat()),
            outcome(number, "c", channel="call", outcome="placed", occurredAt=now.isoformat()),
            outcome(number, "a", outcome="delivered", occurredAt=now.isoformat()),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            outcomes_record(user=staff, items=items, now=now)
        assert capacity.used([number.pk], now=now)[number.pk] == {
            "sms": {"minute": 2, "hour": 2, "day": 2},
            "voice": {"minute": 1, "hour": 1, "day": 1},
        }
        keys = in_redis.keys("warmup:cap:*")
        assert len(keys) == 6
        assert all(0 < in_redis.ttl(key) <= 25 * 3600 + capacity.GRACE_SECONDS for key in keys)


class TestPurge:
    def test_forgets_old_identities_and_recipient_days_but_keeps_the_stats(
        self, staff, number, settings
    ):
        settings.WARMUP_OUTCOME_RETENTION_DAYS = 2
        old = NOW - timedelta(days=3)
        outcomes_record(
            user=staff,
            items=[outcome(number, "old", occurredAt=old.isoformat(), recipient="+12125550123")],
            now=old,
        )
        outcomes_record(
            user=staff, items=[outcome(number, "new", recipient="+12125550123")], now=NOW
        )
        assert outcomes_purge(now=NOW, chunk=1) == {
            "outcomes": 1,
            "recipients": 1,
            "reservations": 0,
        }
        assert list(MessageOutcome.objects.values_list("message_id", flat=True)) == ["new"]
        assert list(DailyRecipient.objects.values_list("day", flat=True)) == [date(2026, 11, 27)]
        assert DailyStats.objects.count() == 2

    def test_in_chunks(self, staff, number):
        old = NOW - timedelta(days=8)
        outcomes_record(
            user=staff,
            items=[outcome(number, f"m{i}", occurredAt=old.isoformat()) for i in range(5)],
            now=old,
        )
        assert outcomes_purge(now=NOW, chunk=2)["outcomes"] == 5
        assert not MessageOutcome.objects.exists()

    def test_a_repeat_within_the_window_is_still_recognised_after_a_purge(self, staff, number):
        first = NOW - timedelta(days=6)
        outcomes_record(
            user=staff, items=[outcome(number, "m1", occurredAt=first.isoformat())], now=first
        )
        outcomes_purge(now=NOW)
        again = outcomes_record(
            user=staff, items=[outcome(number, "m1", occurredAt=first.isoformat())], now=NOW
        )
        assert (again.accepted, again.duplicates) == (0, 1)

    def test_the_command(self, staff, number, capsys):
        old = datetime.now(UTC) - timedelta(days=8)
        outcomes_record(
            user=staff, items=[outcome(number, "m1", occurredAt=old.isoformat())], now=old
        )
        call_command("purge_message_outcomes")
        assert "Deleted 1 outcome(s)" in capsys.readouterr().out
        assert not MessageOutcome.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_over_the_same_rows_neither_deadlock_nor_double_count(business):
    """Two batches naming the same identities, numbers and recipients in opposite orders
    (rows are written sorted by key, so their locks are taken in one order)."""
    from tests.concurrently import all_at_once

    staff = UserFactory(username="ops", is_staff=True)
    numbers = [PhoneNumberFactory(business=business) for _ in range(20)]
    items = [
        outcome(numbers[i % 20], f"m{i}", recipient=f"+1212555{i % 50:04d}") for i in range(400)
    ]
    results = all_at_once(
        [
            lambda: outcomes_record(user=staff, items=items, now=NOW),
            lambda: outcomes_record(user=staff, items=items[::-1], now=NOW),
        ]
    )
    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 400), (400, 0)]
    assert sum(DailyStats.objects.values_list("sms_sent", flat=True)) == 400
    # 100 distinct (number, recipient) pairs among the 400 items.
    assert sum(DailyStats.objects.values_list("recipients", flat=True)) == 100
