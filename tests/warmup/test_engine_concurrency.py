"""Two workers evaluating at once (PostgreSQL: real row locks)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.concurrently import all_at_once
from tests.factories import BusinessFactory, PhoneNumberFactory
from warmup import engine
from warmup.models import DailyStats, NumberWarmup

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 27)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_on_the_same_chunk_do_not_double_advance_a_number():
    business = BusinessFactory()
    numbers = []
    for _ in range(50):
        number = PhoneNumberFactory(
            business=business, warmup_enabled=True, warmup_state=W.WARMING, health_status=W.HEALTHY
        )
        NumberWarmup.objects.create(
            phone_number=number, plan_day=5, evaluated_day=TODAY - timedelta(days=1)
        )
        DailyStats.objects.create(
            phone_number=number,
            business=business,
            day=TODAY - timedelta(days=1),
            sms_sent=40,
            sms_delivered=40,
        )
        numbers.append(number)

    whole = engine.Chunk(None, None)
    results = all_at_once([lambda: engine.evaluate_chunk(whole, now=NOW)] * 4)

    assert sum(r["advanced"] for r in results) == 50
    assert set(NumberWarmup.objects.values_list("plan_day", flat=True)) == {6}
    assert PhoneNumberEvent.objects.filter(type=EventType.WARMUP_ADVANCED).count() == 50
