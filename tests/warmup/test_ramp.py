"""The engine's decision for one number on one pass, with the clock given."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from phonenumbers_app.vocabularies import EventType, InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup.health import Signals, assess
from warmup.models import WarmupPlan
from warmup.ramp import NumberState, decide
from warmup.vocabularies import EngineAction, PacingStatus

PLAN = WarmupPlan(name="Standard")
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # 10:00 Eastern, Nov 27
TODAY = date(2026, 11, 27)
HEALTHY = Signals(sent=300, delivered=299, failed=1, recipients=280)
QUIET = Signals()


def number(**fields) -> NumberState:
    base = {
        "id": 1,
        "enabled": True,
        "inventory_state": InventoryState.ASSIGNED,
        "status": "Active",
        "warmup_enabled": True,
        "warmup_state": W.WARMING,
        "health_status": W.HEALTHY,
        "warmup_health_score": 100,
        "warmup_progress_percent": 19,
        "warmup_next_action_at": None,
        "warmup_pause_reason": None,
        "health_reason": None,
        "plan_day": 5,
        "evaluated_day": TODAY - timedelta(days=1),
    }
    return NumberState(**{**base, **fields})


def run(state, signals=HEALTHY, sent_yesterday=0, now=NOW):
    health = assess(signals, PLAN, window="the last 7 days")
    return decide(state, plan=PLAN, health=health, sent_yesterday=sent_yesterday, now=now)


def test_a_new_number_starts_on_day_one():
    d = run(number(warmup_state=W.NOT_STARTED, plan_day=0, evaluated_day=None), QUIET)
    assert (d.action, d.event_type) == (EngineAction.STARTED, EventType.WARMUP_STARTED)
    assert (d.after.warmup_state, d.after.plan_day, d.after.evaluated_day) == (W.WARMING, 1, TODAY)
    assert d.after.pacing_status == PacingStatus.NEW
    assert d.after.warmup_next_action_at == datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def test_a_number_that_used_its_allowance_advances_once_a_day():
    # Day 5 allows 44 SMS; 80% of it is 36.
    d = run(number(), sent_yesterday=40)
    assert (d.action, d.after.plan_day, d.event_type) == (
        EngineAction.ADVANCED,
        6,
        EventType.WARMUP_ADVANCED,
    )
    assert d.after.warmup_progress_percent == 24
    assert d.details.startswith("Day 6 of 21: 53 SMS and 25 calls a day (sent 40 of 44")
    again = run(d.after, sent_yesterday=40)  # a second pass the same day
    assert again.after.plan_day == 6 and again.action is None and again.event_type is None


def test_a_number_that_did_not_use_its_allowance_holds_with_the_figures():
    d = run(number(), sent_yesterday=10)
    assert (d.action, d.after.plan_day) == (EngineAction.HELD, 5)
    assert d.details == "Held on day 5: sent 10 of 44 allowed yesterday (needs 36)"


def test_an_idle_number_waits_without_an_event_every_day():
    first = run(number(), QUIET, sent_yesterday=0)
    assert first.event_type == EventType.WARMUP_HELD
    assert first.after.warmup_next_action_at is None
    next_day = NOW + timedelta(days=1)
    second = run(first.after, QUIET, sent_yesterday=0, now=next_day)
    assert second.event_type is None
    assert second.number_changes() == {}


def test_a_number_needing_attention_holds_even_with_traffic():
    attention = Signals(sent=100, delivered=92, failed=8, recipients=100)
    d = run(number(), attention, sent_yesterday=44)
    assert d.action == EngineAction.HELD
    assert d.details.startswith("Held on day 5: Delivery rate fell to 92%")
    assert d.after.pacing_status == PacingStatus.LIMITED


def test_the_last_day_completed_makes_it_ready():
    d = run(number(plan_day=21), sent_yesterday=900)
    assert (d.action, d.after.warmup_state, d.after.warmup_progress_percent) == (
        EngineAction.PROMOTED,
        W.READY,
        100,
    )
    assert d.after.pacing_status == PacingStatus.HEALTHY and d.after.warmup_next_action_at is None


def test_carrier_filtering_pauses_it_with_the_reason_and_a_cooldown():
    filtered = Signals(sent=250, delivered=230, rejected=20, recipients=240)
    d = run(number(), filtered)
    assert (d.action, d.event_type, d.after.warmup_state) == (
        EngineAction.PAUSED,
        EventType.WARMUP_PAUSED,
        W.PAUSED,
    )
    assert d.after.warmup_pause_reason.startswith("Paused automatically: Carrier rejections at 8%")
    assert d.after.cooldown_until == NOW + timedelta(hours=24)
    assert d.after.pacing_status == PacingStatus.COOLING_DOWN
    assert d.after.health_status == W.BLOCKED


def test_it_stays_paused_while_cooling_down_then_resumes_a_few_days_back():
    paused = run(number(plan_day=8), Signals(sent=250, delivered=230, rejected=20)).after
    still = run(paused, QUIET, now=NOW + timedelta(hours=23))
    assert still.after.warmup_state == W.PAUSED and still.action is None
    later = NOW + timedelta(hours=25)
    resumed = run(paused, QUIET, now=later)
    assert (resumed.action, resumed.event_type) == (EngineAction.RESUMED, EventType.WARMUP_RESUMED)
    assert (resumed.after.warmup_state, resumed.after.plan_day) == (W.WARMING, 5)
    assert resumed.after.warmup_pause_reason is None
    assert resumed.after.pacing_status == PacingStatus.COOLING_DOWN
    # judged from the day after the pause: the pause day's traffic is not held against it
    assert resumed.after.health_since == datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def test_repeated_automatic_pauses_block_it_for_a_person():
    bad = Signals(sent=250, delivered=230, rejected=20)
    earlier = ((NOW - timedelta(days=9)).isoformat(), (NOW - timedelta(days=3)).isoformat())
    d = run(number(auto_pauses=earlier), bad)
    assert (d.action, d.after.warmup_state) == (EngineAction.BLOCKED, W.BLOCKED)
    assert d.after.warmup_pause_reason.startswith("Blocked after 3 automatic pauses in 30 days")
    assert d.after.pacing_status == PacingStatus.SUSPENDED


def test_pauses_older_than_30_days_are_forgotten():
    old = ((NOW - timedelta(days=40)).isoformat(), (NOW - timedelta(days=35)).isoformat())
    d = run(number(auto_pauses=old), Signals(sent=250, delivered=230, rejected=20))
    assert d.action == EngineAction.PAUSED and len(d.after.auto_pauses) == 1


def test_a_pause_by_a_person_is_left_alone_but_health_is_still_watched():
    state = number(warmup_state=W.PAUSED, warmup_pause_reason="Checking content")
    d = run(state, Signals(sent=100, delivered=92, failed=8, recipients=100), sent_yesterday=44)
    assert d.action is None
    assert d.after.warmup_state == W.PAUSED and d.after.plan_day == 5
    assert d.after.health_status == W.NEEDS_ATTENTION and d.event_type == EventType.HEALTH_CHANGED


def test_a_ready_number_whose_delivery_collapses_is_paused_too():
    state = number(warmup_state=W.READY, plan_day=21, warmup_progress_percent=100)
    d = run(state, Signals(sent=500, delivered=400, failed=100, recipients=450))
    assert d.action == EngineAction.PAUSED


def test_released_and_disabled_numbers_are_only_marked_disabled():
    for state in (number(enabled=False), number(inventory_state=InventoryState.RELEASED)):
        d = run(state, Signals(sent=250, delivered=200, rejected=50), sent_yesterday=44)
        assert d.action is None and d.number_changes() == {}
        assert d.after.pacing_status == PacingStatus.DISABLED


def test_small_score_moves_between_daily_evaluations_write_nothing():
    state = number(evaluated_day=TODAY, warmup_health_score=97)
    d = run(state, Signals(sent=100, delivered=99, failed=1, recipients=100))  # score 100
    assert d.number_changes() == {}
    moved = run(replace(state, warmup_health_score=90), HEALTHY)
    assert moved.number_changes()["warmup_health_score"] == 100
    assert moved.event_type == EventType.HEALTH_CHANGED


def test_a_person_resuming_an_automatic_pause_takes_it_over():
    paused = run(number(), Signals(sent=250, delivered=230, rejected=20)).after
    resumed_by_person = replace(paused, warmup_state=W.WARMING, warmup_pause_reason=None)
    d = run(resumed_by_person, HEALTHY, now=NOW + timedelta(minutes=5))
    assert d.after.auto_paused is False and d.after.cooldown_until is None
    assert d.after.warmup_state == W.WARMING and d.action != EngineAction.RESUMED
    assert d.warmup_changes()["auto_paused"] is False
