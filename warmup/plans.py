"""A plan's limits on a given day of a number's warmup."""

from __future__ import annotations

import math
from dataclasses import dataclass

from phonenumbers_app import readiness
from warmup.models import WarmupPlan

VOICE_STAGES = readiness.VOICE_STAGES  # stages 0-4


@dataclass(frozen=True)
class Limits:
    sms_day: int
    sms_hour: int
    sms_minute: int
    voice_stage: int
    voice_day: int
    voice_hour: int
    voice_minute: int


def _per_hour(per_day: int, percent: int) -> int:
    return max(1, math.ceil(per_day * percent / 100)) if per_day else 0


def sms_per_day(plan: WarmupPlan, day: int) -> int:
    """Geometric ramp: `sms_daily_start` on day 1 to `sms_daily_target` on the last day,
    each day the same factor more (about x1.2 a day for 20 -> 1,000 over 21 days)."""
    day = min(max(day, 1), plan.duration_days)
    if plan.duration_days == 1:
        return plan.sms_daily_target
    share = (day - 1) / (plan.duration_days - 1)
    return round(plan.sms_daily_start * (plan.sms_daily_target / plan.sms_daily_start) ** share)


def voice_stage(plan: WarmupPlan, day: int) -> int:
    """Stages 0-4 over equal parts of the plan (by its progress, so that the published
    `callStage` of a number says the stage its limits come from)."""
    return readiness.voice_stage(progress_percent(plan, min(max(day, 1), plan.duration_days)))


def limits(plan: WarmupPlan, day: int) -> Limits:
    """Limits on plan day `day` (clamped to 1..duration_days; a number that finished its
    warmup, or does not warm up, sends at the last day's limits)."""
    sms_day = sms_per_day(plan, day)
    sms_hour = _per_hour(sms_day, plan.sms_hour_percent)
    stage = voice_stage(plan, day)
    voice_day = int(plan.voice_stage_daily[stage])
    voice_hour = _per_hour(voice_day, plan.voice_hour_percent)
    return Limits(
        sms_day=sms_day,
        sms_hour=sms_hour,
        sms_minute=min(plan.sms_minute_max, sms_hour),
        voice_stage=stage,
        voice_day=voice_day,
        voice_hour=voice_hour,
        voice_minute=min(plan.voice_minute_max, voice_hour),
    )


def progress_percent(plan: WarmupPlan, day: int) -> int:
    """Share of the plan completed: 0 before day 1, 100 on finishing the last day."""
    if day <= 0:
        return 0
    return min(100, round(100 * (day - 1) / plan.duration_days))


def day_of_progress(plan: WarmupPlan, progress: int) -> int:
    """The plan day a number `progress` percent through the plan is on (inverse of
    progress_percent): how the engine adopts a number whose progress was typed in or
    imported before the engine first saw it."""
    if progress <= 0:
        return 0
    return min(plan.duration_days, round(progress * plan.duration_days / 100) + 1)


def adopted_day(plan: WarmupPlan, warmup_state: str | None, progress: int) -> int:
    """The plan day of a number the engine has not seen before, from its warmup fields:
    0 before it starts, the last day when Ready, else the day its progress says."""
    if warmup_state in (None, "Not Started"):
        return 0
    return day_of_progress(plan, 100 if warmup_state == "Ready" else progress)
