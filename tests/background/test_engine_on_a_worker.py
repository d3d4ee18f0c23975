"""The warmup engine on a real Celery worker (Redis broker, the test's PostgreSQL database).

A tenant posts bad outcomes through the API; "warmup.tick", sent by name as beat sends it,
starts a pass on the worker, whose chunk tasks pause the number. The worker runs on
config.settings.test like this process (no statement timeout on either side, the same
plans and thresholds), so nothing differs but the process.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from phonenumbers_app.models import PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.celery_worker import running_worker
from tests.conftest import client_for
from tests.factories import BusinessFactory, MembershipFactory, PhoneNumberFactory, UserFactory
from warmup import clock, plans
from warmup.models import DailyStats, EngineRun, NumberWarmup
from warmup.selectors import default_plan
from warmup.vocabularies import PacingStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RUN_TIMEOUT = 60.0


def finished_run(timeout: float = RUN_TIMEOUT) -> EngineRun:
    """The pass's EngineRun once the worker has finished it (every chunk recorded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = EngineRun.objects.first()  # newest first
        if run is not None and run.status != EngineRun.Status.RUNNING:
            return run
        time.sleep(0.2)
    pytest.fail(f"the engine run did not finish in {timeout:g} s: {EngineRun.objects.first()!r}")


def warming_number(business, *, day: int):
    number = PhoneNumberFactory(
        business=business,
        inventory_state=InventoryState.ASSIGNED,
        warmup_enabled=True,
        warmup_state=W.WARMING,
        health_status=W.HEALTHY,
    )
    today = clock.eastern_day(timezone.now())
    NumberWarmup.objects.create(
        phone_number=number, plan_day=day, evaluated_day=today - timedelta(days=1)
    )
    return number


def outcomes(number, count: int, *, rejected: int) -> list[dict]:
    """`count` messages sent a few minutes ago, the first `rejected` rejected by carriers
    and the rest delivered, each to its own recipient."""
    at = (timezone.now() - timedelta(minutes=3)).isoformat()
    items = []
    for i in range(count):
        base = {
            "messageId": f"m{i}",
            "phoneNumberId": str(number.pk),
            "channel": "sms",
            "direction": "outbound",
            "occurredAt": at,
            "recipient": f"+1212555{i:04d}",
        }
        fate = "carrier_rejected" if i < rejected else "delivered"
        items += [{**base, "outcome": "sent"}, {**base, "outcome": fate}]
    return items


def test_a_number_is_paused_on_the_worker_after_carrier_rejections_are_posted(celery_worker):
    business = BusinessFactory(name="Acme Roofing")
    member = UserFactory(username="member")
    MembershipFactory(user=member, business=business)
    number = warming_number(business, day=3)
    # 3 of 30 finalized messages rejected: 10%, above the 5% limit, above the 20-message
    # minimum sample.
    response = client_for(member).post(
        "/message-outcomes",
        json.dumps({"outcomes": outcomes(number, 30, rejected=3)}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 60, "duplicates": 0, "refused": []}
    assert DailyStats.objects.get(phone_number=number).sms_carrier_rejected == 3

    tick = celery_worker.send("warmup.tick")

    assert tick.get(timeout=30).endswith(": 1 chunks"), celery_worker.output()
    run = finished_run()
    assert run.status == EngineRun.Status.SUCCEEDED, (run.error, celery_worker.output())
    assert (run.trigger, run.chunks_total, run.chunks_done) == ("beat", 1, 1)
    assert (run.evaluated, run.paused, run.changed, run.advanced) == (1, 1, 1, 0)
    assert run.finished_at >= run.started_at

    number.refresh_from_db()
    reason = "Carrier rejections at 10% of 30 messages over the last 7 days (limit 5%)"
    assert number.warmup_state == W.PAUSED
    assert number.warmup_pause_reason.startswith(f"Paused automatically: {reason}")
    warmup = NumberWarmup.objects.get(phone_number=number)
    assert warmup.pacing_status == PacingStatus.COOLING_DOWN
    assert warmup.auto_paused and warmup.plan_day == 3
    cooldown = timedelta(minutes=default_plan().cooldown_minutes)
    assert warmup.cooldown_until == warmup.last_action_at + cooldown
    event = PhoneNumberEvent.objects.get(phone_number=number, type=EventType.WARMUP_PAUSED)
    assert (event.actor_id, event.actor_name, event.business_id) == (None, "System", business.pk)
    assert event.details.startswith(reason)
    assert event.data["before"]["warmupState"] == W.WARMING
    assert event.data["after"]["warmupState"] == W.PAUSED


def test_a_number_that_used_its_allowance_yesterday_advances_on_the_worker(celery_worker):
    """The other half of a pass: the worker's "today" is its clock's Eastern day."""
    business = BusinessFactory()
    number = warming_number(business, day=4)
    yesterday = clock.eastern_day(timezone.now()) - timedelta(days=1)
    allowance = plans.limits(default_plan(), 4).sms_day
    DailyStats.objects.create(
        phone_number=number,
        business=business,
        day=yesterday,
        sms_sent=allowance,
        sms_delivered=allowance,
        recipients=allowance,
    )

    celery_worker.send("warmup.tick").get(timeout=30)
    run = finished_run()

    assert (run.status, run.evaluated, run.advanced, run.paused) == ("succeeded", 1, 1, 0)
    assert NumberWarmup.objects.get(phone_number=number).plan_day == 5
    assert number.events.filter(type=EventType.WARMUP_ADVANCED, actor_name="System").count() == 1


# --- Two evaluations at once ---------------------------------------------------------

NUMBERS = 200


def numbers_that_used_yesterday_s_allowance(count: int, *, day: int = 5) -> list:
    """`count` warming numbers on `day`, each of which sent its whole allowance yesterday
    (the Eastern yesterday of the worker's clock: it decides "today" from its own now)."""
    business = BusinessFactory()
    yesterday = clock.eastern_day(timezone.now()) - timedelta(days=1)
    allowance = plans.limits(default_plan(), day).sms_day
    numbers = [warming_number(business, day=day) for _ in range(count)]
    DailyStats.objects.bulk_create(
        DailyStats(
            phone_number=number,
            business=business,
            day=yesterday,
            sms_sent=allowance,
            sms_delivered=allowance,
            recipients=allowance,
        )
        for number in numbers
    )
    return numbers


def assert_each_advanced_once(numbers: list, *, day: int = 5) -> None:
    assert set(NumberWarmup.objects.values_list("plan_day", flat=True)) == {day + 1}
    advanced = PhoneNumberEvent.objects.filter(type=EventType.WARMUP_ADVANCED)
    assert advanced.count() == len(numbers)
    assert advanced.values("phone_number").distinct().count() == len(numbers)


def test_the_same_chunk_sent_twice_at_once_advances_each_number_once():
    numbers = numbers_that_used_yesterday_s_allowance(NUMBERS)
    run = EngineRun.objects.create(trigger="test", chunks_total=2)

    with running_worker(concurrency=2) as worker:
        # Both at once: the worker's two processes take one each.
        for _ in range(2):
            worker.send("warmup.evaluate_chunk", str(run.pk), None, None)
        run = finished_run()

    assert run.status == EngineRun.Status.SUCCEEDED, (run.error, worker.output())
    assert run.chunks_done == 2
    assert (run.advanced, run.changed, run.paused, run.held) == (NUMBERS, NUMBERS, 0, 0)
    # The second saw each number either locked (skipped) or already judged today.
    assert NUMBERS <= run.evaluated <= 2 * NUMBERS
    assert_each_advanced_once(numbers)


def test_two_ticks_at_once_on_two_workers_advance_each_number_once():
    numbers = numbers_that_used_yesterday_s_allowance(NUMBERS)

    with running_worker(concurrency=2) as first, running_worker(concurrency=1) as second:
        ticks = [first.send("warmup.tick"), second.send("warmup.tick")]
        said = [tick.get(timeout=30) for tick in ticks]
        finished_run()
        # A second pass was started if both ticks looked before either had started one.
        deadline = time.monotonic() + RUN_TIMEOUT
        while EngineRun.objects.filter(status=EngineRun.Status.RUNNING).exists():
            assert time.monotonic() < deadline, (first.output(), second.output())
            time.sleep(0.2)
        runs = list(EngineRun.objects.all())

    started = [text for text in said if text.startswith("run ")]
    assert len(runs) == len(started) >= 1, said
    assert all(run.status == EngineRun.Status.SUCCEEDED for run in runs)
    assert sum(run.advanced for run in runs) == NUMBERS
    assert_each_advanced_once(numbers)
