"""A pass of the engine over real rows: decisions written with their events, once."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.vocabularies import EventType, InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from tests.factories import BusinessFactory, PhoneNumberFactory
from warmup import engine
from warmup.models import BusinessWarmupPlan, DailyStats, EngineRun, NumberWarmup, WarmupPlan

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 10:00 Eastern
TODAY = date(2026, 11, 27)


def warming(business, *, day=5, **fields):
    number = PhoneNumberFactory(
        business=business,
        warmup_enabled=True,
        warmup_state=W.WARMING,
        health_status=W.HEALTHY,
        **fields,
    )
    NumberWarmup.objects.create(
        phone_number=number, plan_day=day, evaluated_day=TODAY - timedelta(days=1)
    )
    return number


def stats(number, day, **counts):
    counts.setdefault("updated_at", NOW - timedelta(hours=1))  # reported before the passes
    return DailyStats.objects.create(
        phone_number=number, business_id=number.business_id, day=day, **counts
    )


@pytest.fixture
def business(db):
    return BusinessFactory(name="Acme Roofing")


def test_a_pass_advances_a_number_that_used_its_allowance(business):
    number = warming(business)
    stats(number, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    version = number.version
    run = engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert number.warmup.plan_day == 6 and number.warmup_progress_percent == 24
    assert number.version == version + 1  # a new ETag, as after any write
    event = PhoneNumberEvent.objects.get(phone_number=number, type=EventType.WARMUP_ADVANCED)
    assert (event.actor, event.actor_name, event.business_id) == (None, "System", business.pk)
    assert event.data["before"]["warmupProgressPercent"] == 0
    assert event.data["after"]["warmup.planDay"] == 6
    assert (run.status, run.evaluated, run.advanced, run.changed) == ("succeeded", 1, 1, 1)


def test_a_second_pass_the_same_day_changes_nothing(business):
    number = warming(business)
    stats(number, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    engine.run_pass(now=NOW)
    events = PhoneNumberEvent.objects.count()
    run = engine.run_pass(now=NOW + timedelta(minutes=5))
    number.warmup.refresh_from_db()
    assert number.warmup.plan_day == 6
    assert PhoneNumberEvent.objects.count() == events
    assert run.changed == 0


def test_carrier_filtering_pauses_the_number_through_a_pass(business):
    number = warming(business)
    stats(number, TODAY, sms_sent=250, sms_delivered=230, sms_carrier_rejected=20, recipients=240)
    engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert number.warmup_state == W.PAUSED
    assert number.warmup_pause_reason.startswith("Paused automatically: Carrier rejections at 8%")
    assert number.warmup.auto_paused and number.warmup.cooldown_until == NOW + timedelta(days=1)
    assert PhoneNumberEvent.objects.filter(
        type=EventType.WARMUP_PAUSED, actor_name="System"
    ).exists()


def test_a_new_number_with_warmup_enabled_starts(business):
    number = PhoneNumberFactory(business=business, warmup_enabled=True)
    engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert (number.warmup_state, number.warmup.plan_day) == (W.WARMING, 1)
    assert number.events.filter(type=EventType.WARMUP_STARTED).count() == 1


def test_released_numbers_are_not_evaluated(business):
    released = PhoneNumberFactory(
        inventory_state=InventoryState.RELEASED, warmup_enabled=True, enabled=False
    )
    run = engine.run_pass(now=NOW)
    assert run.evaluated == 0 and not NumberWarmup.objects.filter(phone_number=released).exists()


def test_the_business_plan_and_the_numbers_own_plan_apply(business):
    slow = WarmupPlan.objects.create(name="Slow", duration_days=42, sms_daily_start=10)
    fast = WarmupPlan.objects.create(name="Fast", duration_days=7, sms_daily_start=50)
    BusinessWarmupPlan.objects.create(business=business, plan=slow)
    by_business = PhoneNumberFactory(business=business, warmup_enabled=True)
    own = PhoneNumberFactory(business=business, warmup_enabled=True)
    NumberWarmup.objects.create(phone_number=own, plan=fast)
    engine.run_pass(now=NOW)
    assert "(Slow)" in NumberWarmup.objects.get(phone_number=by_business).last_action_reason
    assert "(Fast)" in NumberWarmup.objects.get(phone_number=own).last_action_reason


def test_signals_of_other_days_outside_the_window_do_not_count(business):
    number = warming(business)
    stats(number, TODAY - timedelta(days=8), sms_sent=250, sms_delivered=100, sms_failed=150)
    stats(number, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert number.warmup_state == W.WARMING and number.warmup.plan_day == 6


def test_a_chunks_queries_do_not_grow_with_its_numbers(business):
    def queries(count):
        PhoneNumber.objects.filter(business=business).update(warmup_enabled=False)
        for _ in range(count):
            n = warming(business)
            stats(n, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
        with CaptureQueriesContext(connection) as ctx:
            engine.evaluate_chunk(engine.Chunk(None, None), now=NOW)
        return len(ctx)

    # one UPDATE per changed number is sent as one batch; executemany counts once
    assert queries(2) == queries(20)


def test_chunks_cover_every_unreleased_number_once(business):
    numbers = {PhoneNumberFactory(business=business).pk for _ in range(7)}
    PhoneNumberFactory(inventory_state=InventoryState.RELEASED, enabled=False)
    covered = []
    for chunk in engine.chunks(size=3):
        covered += list(
            PhoneNumber.objects.filter(chunk.q()).not_released().values_list("pk", flat=True)
        )
    assert sorted(covered) == sorted(numbers)


def test_a_failing_chunk_marks_the_run_failed(business, monkeypatch):
    warming(business)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(engine, "engine_apply", broken)
    with pytest.raises(RuntimeError):
        engine.run_pass(now=NOW)
    run = EngineRun.objects.get()
    assert run.status == "failed" and "database went away" in run.error


def test_plan_for_prefers_the_numbers_plan_then_the_business_plan_then_the_default(business):
    from warmup.selectors import plan_for

    number = PhoneNumberFactory(business=business)
    assert plan_for(number).is_default
    slow = WarmupPlan.objects.create(name="Slow")
    BusinessWarmupPlan.objects.create(business=business, plan=slow)
    assert plan_for(number) == slow
    fast = WarmupPlan.objects.create(name="Fast")
    NumberWarmup.objects.create(phone_number=number, plan=fast)
    assert plan_for(number) == fast
    assert plan_for(PhoneNumberFactory()).is_default  # a pool number: no business


def test_passes_within_a_day_judge_only_numbers_that_may_have_changed(business):
    quiet, busy, edited = (warming(business) for _ in range(3))
    for number in (quiet, busy, edited):
        stats(number, TODAY - timedelta(days=1), sms_sent=40, sms_delivered=40)
    PhoneNumberFactory(business=business)  # no warmup, no traffic: judged by a first pass only
    first = engine.run_pass(now=NOW)
    assert first.evaluated == 4  # no pass finished before: every number

    later = NOW + timedelta(minutes=5)
    DailyStats.objects.filter(phone_number=busy).update(updated_at=later)  # a report came in
    PhoneNumber.objects.filter(pk=edited.pk).update(modified_at=later)  # a person changed it
    second = engine.run_pass(now=later + timedelta(seconds=1))
    assert second.evaluated == 2

    tomorrow = NOW + timedelta(days=1)
    assert engine.run_pass(now=tomorrow).evaluated == 3  # the day's advance-or-hold, for all


def test_an_automatic_pause_is_judged_again_when_its_cooldown_ends(business):
    number = warming(business)
    stats(number, TODAY, sms_sent=250, sms_delivered=230, sms_carrier_rejected=20, recipients=240)
    engine.run_pass(now=NOW)
    assert engine.run_pass(now=NOW + timedelta(hours=1)).evaluated == 0
    resumed = engine.run_pass(now=NOW + timedelta(hours=25))
    assert (resumed.evaluated, resumed.resumed) == (1, 1)
    # the pause day's rejections are not held against it after it resumed
    engine.run_pass(now=NOW + timedelta(hours=26))
    number.refresh_from_db()
    assert number.warmup_state == W.WARMING and number.warmup.plan_day == 2  # day 5, 3 back


def test_a_number_first_seen_takes_up_its_warmup_where_its_progress_says(business):
    typed_in = PhoneNumberFactory(
        business=business,
        warmup_enabled=True,
        warmup_state=W.WARMING,
        warmup_progress_percent=45,
    )
    ready = PhoneNumberFactory(
        business=business, warmup_enabled=True, warmup_state=W.READY, warmup_progress_percent=100
    )
    engine.run_pass(now=NOW)
    assert NumberWarmup.objects.get(phone_number=typed_in).plan_day == 10  # 45% of 21 days
    ready.refresh_from_db()
    assert (ready.warmup_state, ready.warmup.plan_day) == (W.READY, 21)


def test_pages_and_answers_show_the_day_the_engine_will_take_a_number_up_at(business):
    from warmup.selectors import plan_and_source, plan_day_of

    number = PhoneNumberFactory(
        business=business, warmup_enabled=True, warmup_state=W.WARMING, warmup_progress_percent=45
    )
    plan, _ = plan_and_source(number)
    assert plan_day_of(number, None, plan) == 10
    engine.run_pass(now=NOW)
    number.refresh_from_db()
    assert plan_day_of(number, number.warmup, plan) == number.warmup.plan_day == 10
