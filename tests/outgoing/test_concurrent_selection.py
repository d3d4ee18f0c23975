"""Fifty selections at once against one business hold each number's per-minute limit
exactly (PostgreSQL: real concurrent transactions and row locks), with the reservations
in Redis and in the database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import redis

from outgoing.selection import Wanted
from outgoing.services import Ask, sender_select
from tests.concurrently import all_at_once
from tests.factories import BusinessFactory
from tests.outgoing_factories import sender
from warmup import capacity
from warmup.models import BusinessWarmupPlan, CapacityReservation, NumberWarmup, WarmupPlan

REDIS_URL = "redis://127.0.0.1:6379/14"
SELECTIONS = 50

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.25).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def in_redis(settings):
    settings.REDIS_URL = REDIS_URL
    capacity.redis_client.cache_clear()
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()
    capacity.redis_client.cache_clear()


@pytest.fixture
def in_database(settings):
    settings.REDIS_URL = None
    capacity.redis_client.cache_clear()
    yield
    capacity.redis_client.cache_clear()


@pytest.fixture
def limited():
    """A business with three sendable numbers and {number id: its SMS minute limit}: two
    on the business's plan (10 a minute), one on a plan of its own (4 a minute)."""
    business = BusinessFactory()
    business_plan = WarmupPlan.objects.create(name="Ten a minute", sms_minute_max=10)
    BusinessWarmupPlan.objects.create(business=business, plan=business_plan)
    own_plan = WarmupPlan.objects.create(name="Four a minute", sms_minute_max=4)
    first, second, third = (sender(business) for _ in range(3))
    NumberWarmup.objects.create(phone_number=third, plan=own_plan, plan_day=own_plan.duration_days)
    return business, {first.pk: 10, second.pk: 10, third.pk: 4}


def _select_fifty(business) -> list:
    now = datetime.now(UTC)  # one instant: every selection in the same minute

    def select(i: int):
        ask = Ask(
            business=business,
            channel=capacity.SMS,
            conversation_id=f"conversation-{i}",
            lead_id=f"lead-{i}",
            wanted=Wanted(recipient="+13125550100"),
        )
        return sender_select(ask=ask, now=now)

    return all_at_once([lambda i=i: select(i) for i in range(SELECTIONS)])


def _assert_exact_bound(selections: list, limits: dict) -> Counter:
    assert all(s is not None for s in selections), "a selection did not finish"
    handed_out = Counter(s.chosen.number.pk for s in selections if s.can_send)
    for number_id, count in handed_out.items():
        assert count <= limits[number_id]
    assert sum(handed_out.values()) == sum(limits.values())
    refused = [s for s in selections if not s.can_send]
    assert len(refused) == SELECTIONS - sum(limits.values())
    assert all(s.setup_message for s in refused)
    return handed_out


@pytest.mark.skipif(not _redis_up(), reason=f"needs Redis at {REDIS_URL}")
def test_fifty_selections_at_once_hold_the_minute_limits_exactly_with_redis(in_redis, limited):
    business, limits = limited
    handed_out = _assert_exact_bound(_select_fifty(business), limits)
    assert handed_out == limits
    held = {pk: in_redis.zcard(f"warmup:held:sms:{pk.hex}") for pk in limits}
    assert held == limits
    assert not CapacityReservation.objects.exists()


def test_fifty_selections_at_once_hold_the_minute_limits_exactly_in_the_database(
    in_database, limited
):
    business, limits = limited
    handed_out = _assert_exact_bound(_select_fifty(business), limits)
    assert handed_out == limits
    held = Counter(CapacityReservation.objects.values_list("phone_number_id", flat=True))
    assert held == limits
