"""Capacity windows on US Eastern time (DST included) and a plan's ramp."""

from datetime import UTC, date, datetime

import pytest

from warmup import capacity, clock, plans
from warmup.models import WarmupPlan


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestEasternDays:
    def test_the_day_is_eastern_not_utc(self):
        # 03:30 UTC on Nov 28 is 22:30 Eastern on Nov 27.
        assert clock.eastern_day(utc(2026, 11, 28, 3, 30)) == date(2026, 11, 27)

    def test_daily_capacity_resets_at_midnight_eastern_in_winter(self):
        assert clock.next_midnight(utc(2026, 11, 27, 20, 0)) == utc(2026, 11, 28, 5, 0)

    def test_daily_capacity_resets_at_midnight_eastern_in_summer(self):
        assert clock.next_midnight(utc(2026, 7, 1, 12, 0)) == utc(2026, 7, 2, 4, 0)

    def test_the_day_clocks_go_back_is_25_hours_long(self):
        # 2026-11-01: 2:00 EDT becomes 1:00 EST.
        start = clock.day_start(date(2026, 11, 1))
        end = clock.next_midnight(utc(2026, 11, 1, 12, 0))
        assert (start, end) == (utc(2026, 11, 1, 4, 0), utc(2026, 11, 2, 5, 0))
        assert (end - start).total_seconds() == 25 * 3600

    def test_the_day_clocks_go_forward_is_23_hours_long(self):
        # 2026-03-08: 2:00 EST becomes 3:00 EDT.
        start = clock.day_start(date(2026, 3, 8))
        end = clock.next_midnight(utc(2026, 3, 8, 12, 0))
        assert (end - start).total_seconds() == 23 * 3600

    def test_the_repeated_hour_of_november_counts_as_two_hours(self):
        first_one_am = utc(2026, 11, 1, 5, 30)  # 1:30 EDT
        second_one_am = utc(2026, 11, 1, 6, 30)  # 1:30 EST
        a, b = capacity.windows(first_one_am), capacity.windows(second_one_am)
        assert a[1].key != b[1].key  # hours differ
        assert a[2].key == b[2].key == "2026-11-01"  # same Eastern day
        assert a[1].resets_at == utc(2026, 11, 1, 6, 0)

    def test_minute_window_resets_at_the_next_minute(self):
        minute, hour, day = capacity.windows(utc(2026, 11, 27, 20, 14, 59))
        assert minute.resets_at == utc(2026, 11, 27, 20, 15)
        assert hour.resets_at == utc(2026, 11, 27, 21, 0)
        assert day.resets_at == utc(2026, 11, 28, 5, 0)


class TestPlanRamp:
    plan = WarmupPlan(name="Standard")  # the model's defaults: 20 -> 1,000 SMS over 21 days

    def test_day_one_is_the_start_and_the_last_day_the_target(self):
        assert plans.limits(self.plan, 1).sms_day == 20
        assert plans.limits(self.plan, 21).sms_day == 1000

    def test_each_day_allows_more_than_the_one_before(self):
        days = [plans.limits(self.plan, day).sms_day for day in range(1, 22)]
        assert days == sorted(days) and len(set(days)) == 21

    def test_days_beyond_the_plan_keep_the_last_days_limits(self):
        assert plans.limits(self.plan, 40) == plans.limits(self.plan, 21)
        assert plans.limits(self.plan, 0) == plans.limits(self.plan, 1)

    def test_hour_and_minute_limits_follow_the_day(self):
        limits = plans.limits(self.plan, 1)
        assert (limits.sms_hour, limits.sms_minute) == (4, 4)  # 20% of 20; at most 10 a minute
        last = plans.limits(self.plan, 21)
        assert (last.sms_hour, last.sms_minute) == (200, 10)

    @pytest.mark.parametrize(
        ("day", "stage", "calls"),
        [(1, 0, 10), (5, 0, 10), (6, 1, 25), (10, 2, 50), (14, 3, 100), (18, 4, 200), (21, 4, 200)],
    )
    def test_voice_runs_in_five_stages(self, day, stage, calls):
        limits = plans.limits(self.plan, day)
        assert (limits.voice_stage, limits.voice_day) == (stage, calls)

    def test_progress_counts_completed_days(self):
        assert plans.progress_percent(self.plan, 0) == 0
        assert plans.progress_percent(self.plan, 1) == 0
        assert plans.progress_percent(self.plan, 11) == 48


def test_the_published_call_stage_is_the_stage_the_call_limits_come_from():
    from phonenumbers_app.readiness import readiness

    plan = WarmupPlan(name="Standard")
    for day in range(1, 22):
        progress = plans.progress_percent(plan, day)
        row = {
            "warmup_enabled": True,
            "warmup_state": "Warming",
            "health_status": "Healthy",
            "warmup_health_score": 90,
            "warmup_progress_percent": progress,
        }
        assert readiness(row)["callStage"] == f"Stage {plans.limits(plan, day).voice_stage}"
