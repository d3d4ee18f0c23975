"""Units of capacity a selection holds until the send is reported (warmup/reservations.py),
in both places they live: the database (no REDIS_URL, as in development and these tests)
and Redis (db 13, flushed before and after)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from tests.api.selection_calls import check, eligible, pin, select_for, select_new, unpin
from tests.concurrently import all_at_once
from tests.outgoing_factories import default_plan_with, sender
from warmup import capacity, reservations
from warmup.models import CapacityReservation

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/13"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.25).ping())
    except redis.RedisError:
        return False


class Backend:
    def __init__(self, client: redis.Redis | None) -> None:
        self.client = client

    def held(self, number, channel: str = capacity.SMS) -> int:
        """The number's live reservations on the channel."""
        if self.client is None:
            live = CapacityReservation.objects.filter(
                phone_number=number, channel=channel, expires_at__gt=timezone.now()
            )
            return live.count()
        key = f"warmup:held:{channel}:{number.pk.hex}"
        now_ms = int(timezone.now().timestamp() * 1000)
        return self.client.zcount(key, f"({now_ms}", "+inf")


@pytest.fixture(
    params=[
        "database",
        pytest.param(
            "redis", marks=pytest.mark.skipif(not _redis_up(), reason=f"needs {REDIS_URL}")
        ),
    ]
)
def backend(request, settings):
    if request.param == "database":
        settings.REDIS_URL = None
        capacity.redis_client.cache_clear()
        yield Backend(None)
        capacity.redis_client.cache_clear()
        return
    settings.REDIS_URL = REDIS_URL
    capacity.redis_client.cache_clear()
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield Backend(client)
    finally:
        client.flushdb()
        capacity.redis_client.cache_clear()


def minute_limit(n: int) -> None:
    default_plan_with(sms_minute_max=n, voice_minute_max=n)


def limit_everywhere(n: int) -> None:
    """n SMS a minute, an hour and a day: a send counted in the day's counter still
    counts if the minute turns during the test."""
    default_plan_with(sms_daily_start=1, sms_daily_target=n, sms_hour_percent=100, sms_minute_max=n)


def report_sent(client, number, message_id: str, capture) -> None:
    """POST /message-outcomes: a send from `number` just now (its after-commit work run)."""
    body = {
        "outcomes": [
            {
                "messageId": message_id,
                "phoneNumberId": str(number.pk),
                "channel": "sms",
                "direction": "outbound",
                "outcome": "sent",
                "occurredAt": timezone.now().isoformat(),
            }
        ]
    }
    with capture(execute=True):
        response = client.post(
            "/message-outcomes", json.dumps(body), content_type="application/json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1


class TestHeld:
    def test_an_answer_that_may_send_holds_one_unit_the_next_selection_sees(
        self, backend, member_client, business
    ):
        number = sender(business)
        first = select_new(member_client)
        assert first["canSend"] is True
        assert backend.held(number) == 1
        reserved_until = first["reservedUntil"]
        assert reserved_until is not None

        second = select_new(member_client)
        before, after = eligible(first)[number.number], eligible(second)[number.number]
        assert after["capacityLeft"]["minute"] == before["capacityLeft"]["minute"] - 1
        assert after["capacityLeft"]["day"] == before["capacityLeft"]["day"] - 1
        assert backend.held(number) == 2

    def test_a_call_holds_voice_capacity_not_sms(self, backend, member_client, business):
        number = sender(business)
        assert select_new(member_client, channel="call")["canSend"] is True
        assert (backend.held(number, capacity.VOICE), backend.held(number)) == (1, 0)

    def test_a_reported_send_releases_its_unit(
        self, backend, member_client, business, django_capture_on_commit_callbacks
    ):
        limit_everywhere(2)
        number = sender(business)
        assert select_for(member_client, "c1")["canSend"] is True
        assert backend.held(number) == 1

        report_sent(member_client, number, "m1", django_capture_on_commit_callbacks)

        assert backend.held(number) == 0
        # The send counts once (its counter), not twice (counter and unit): one unit is left.
        assert select_for(member_client, "c1")["canSend"] is True
        assert select_for(member_client, "c1")["canSend"] is False

    def test_previews_hold_nothing(self, backend, member_client, business):
        number = sender(business)
        pinned = pin(member_client, "c1", number)
        cleared = unpin(member_client, "c1")
        assert pinned["canSend"] is cleared["canSend"] is True
        assert pinned["reservedUntil"] is cleared["reservedUntil"] is None
        assert backend.held(number) == 0

    def test_a_checked_number_holds_one_unit(self, backend, member_client, business):
        number = sender(business)
        assert check(member_client, number)["reservedUntil"] is not None
        assert backend.held(number) == 1

    def test_n_selections_send_and_the_next_is_told_when_room_frees_up(
        self, backend, member_client, business
    ):
        minute_limit(3)
        number = sender(business)

        answers = [select_new(member_client) for _ in range(4)]

        assert [a["canSend"] for a in answers] == [True, True, True, False]
        assert {a["number"] for a in answers[:3]} == {number.number}
        assert re.search(r"frees up at \d\d:\d\d(:\d\d)? ET", answers[3]["setupMessage"])
        assert eligible(answers[3])[number.number]["capacityLeft"]["minute"] == 0
        assert backend.held(number) == 3


class TestModule:
    """warmup/reservations.py called directly: expiry, and the check-and-take under
    concurrency."""

    def test_a_reservation_counts_until_it_expires(self, backend, business, settings):
        number = sender(business)
        now = timezone.now()
        limits = (2, 100, 1000)
        assert reservations.reserve(number.pk, capacity.SMS, limits, now=now) is not None
        assert reservations.reserve(number.pk, capacity.SMS, limits, now=now) is not None
        assert reservations.reserve(number.pk, capacity.SMS, limits, now=now) is None

        later = now + timedelta(seconds=settings.OUTGOING_RESERVATION_SECONDS + 1)
        assert reservations.usage([number.pk], capacity.SMS, now=later)[number.pk] == (0, 0, 0)
        assert reservations.reserve(number.pk, capacity.SMS, limits, now=later) is not None

    def test_a_release_takes_the_oldest_and_never_more_than_held(self, backend, business):
        number = sender(business)
        now = timezone.now()
        reservations.reserve(number.pk, capacity.SMS, (5, 5, 5), now=now)
        reservations.release({(number.pk, capacity.SMS): 3}, now=now)
        assert reservations.usage([number.pk], capacity.SMS, now=now)[number.pk] == (0, 0, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_hold_the_limit_exactly(backend, business):
    number = sender(business)
    now = timezone.now()
    limits = (5, 100, 1000)

    taken = all_at_once(
        [lambda: reservations.reserve(number.pk, capacity.SMS, limits, now=now)] * 12
    )

    assert sum(until is not None for until in taken) == 5
    assert reservations.usage([number.pk], capacity.SMS, now=now)[number.pk] == (5, 5, 5)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_selections_hand_out_no_more_than_the_limits(backend, business):
    from collections import Counter

    from outgoing.services import Ask, sender_select

    minute_limit(2)
    numbers = [sender(business, f"+1212555{i:04d}") for i in range(3)]
    ask = Ask(business=business, channel=capacity.SMS)

    answers = all_at_once([lambda: sender_select(ask=ask, now=timezone.now())] * 10)

    chosen = Counter(a.chosen.number.number for a in answers if a.chosen is not None)
    assert chosen == Counter({n.number: 2 for n in numbers})
    assert all(backend.held(n) == 2 for n in numbers)
    refused = [a for a in answers if a.chosen is None]
    assert len(refused) == 4
    assert all("frees up at" in a.setup_message for a in refused)
