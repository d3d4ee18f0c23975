"""What the staff pages show of the warmup: a number's last 30 days, its capacity now,
its plan and the engine's last action; the engine's last run.

Reads only, in a fixed number of queries whatever the days of stats: the number's
warmup row with its plan, the business's plan choice or the default plan when it has
none of its own, one query for the days, one read of the capacity counters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q

from phonenumbers_app.models import PhoneNumber
from warmup import capacity, clock, reservations
from warmup.models import DailyStats, EngineRun, NumberWarmup, WarmupPlan
from warmup.plans import Limits, limits
from warmup.selectors import plan_and_source, plan_day_of

HISTORY_DAYS = 30


@dataclass(frozen=True)
class Day:
    """One Eastern-time day of a number's traffic for its current owner."""

    day: date
    plan_day: int | None  # approximate (see number_history); None before the warmup
    sent: int  # SMS and MMS: both count against the SMS limits
    limit: int | None
    delivered: int
    finished: int  # messages with a final outcome: delivered, failed or rejected
    opt_outs: int
    recipients: int
    reported: bool  # a stats row exists for the day

    @property
    def delivery_percent(self) -> float | None:
        return round(100 * self.delivered / self.finished, 1) if self.finished else None

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.sent > self.limit


@dataclass(frozen=True)
class WindowUse:
    window: str  # minute, hour, day
    used: int
    limit: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return capacity.remaining(self.limit, self.used)


@dataclass(frozen=True)
class Capacity:
    available: bool  # False: the shared counters could not be read
    error: str
    rows: dict[str, list[WindowUse]]  # {"sms": [...], "voice": [...]}


@dataclass(frozen=True)
class NumberWarmupView:
    warmup: NumberWarmup | None  # None: the engine has not evaluated the number yet
    plan_day: int  # the engine's, or the day it will take the number up at
    plan: WarmupPlan
    plan_source: str  # "number", "business" or "default"
    limits: Limits
    days: list[Day]
    capacity: Capacity

    @property
    def has_stats(self) -> bool:
        return any(day.reported for day in self.days)


def plan_applying(phone_number: PhoneNumber) -> tuple[WarmupPlan, str]:
    """The plan that applies and where it comes from (warmup.selectors.plan_and_source)."""
    return plan_and_source(phone_number)


def number_history(
    phone_number: PhoneNumber,
    *,
    plan: WarmupPlan,
    plan_day: int,
    today: date,
    days: int = HISTORY_DAYS,
) -> list[Day]:
    """The last `days` Eastern days up to `today`, oldest first, of the number's current
    owner only (a previous owner's traffic is theirs); days without a report are zeros.

    Each day's limit is approximate: the current plan on the plan day reached by
    counting back one plan day per calendar day from today's. Holds, pauses, setbacks
    and plan changes are not replayed (the engine keeps no per-day history of them).
    """
    first = today - timedelta(days=days - 1)
    rows = {}
    if phone_number.business_id is not None:  # the pool has no stats: they are per owner
        rows = {
            row.day: row
            for row in DailyStats.objects.filter(
                phone_number=phone_number,
                business_id=phone_number.business_id,
                day__gte=first,
                day__lte=today,
            )
        }
    history = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        day_of_plan = plan_day - offset if plan_day - offset >= 1 else None
        row = rows.get(day)
        delivered = failed = 0
        if row is not None:
            delivered = row.sms_delivered + row.mms_delivered
            failed = (
                row.sms_failed
                + row.sms_carrier_rejected
                + row.mms_failed
                + row.mms_carrier_rejected
            )
        history.append(
            Day(
                day=day,
                plan_day=day_of_plan,
                sent=(row.sms_sent + row.mms_sent) if row else 0,
                limit=limits(plan, day_of_plan).sms_day if day_of_plan else None,
                delivered=delivered,
                finished=delivered + failed,
                opt_outs=row.opt_outs if row else 0,
                recipients=row.recipients if row else 0,
                reported=row is not None,
            )
        )
    return history


def capacity_now(phone_number: PhoneNumber, current: Limits, *, now: datetime) -> Capacity:
    """Used and limit this minute, Eastern hour and Eastern day, for SMS and voice."""
    resets = capacity.resets(now)
    try:
        used = reservations.used_now(phone_number.pk, now=now)  # held units count as used
    except capacity.CountersUnavailable as error:
        return Capacity(available=False, error=str(error), rows={})
    allowed = {
        capacity.SMS: {
            "minute": current.sms_minute,
            "hour": current.sms_hour,
            "day": current.sms_day,
        },
        capacity.VOICE: {
            "minute": current.voice_minute,
            "hour": current.voice_hour,
            "day": current.voice_day,
        },
    }
    return Capacity(
        available=True,
        error="",
        rows={
            channel: [
                WindowUse(window, used[channel][window], allowed[channel][window], resets[window])
                for window in capacity.WINDOWS
            ]
            for channel in capacity.CHANNELS
        },
    )


def number_warmup_view(phone_number: PhoneNumber, *, now: datetime) -> NumberWarmupView:
    warmup = NumberWarmup.objects.select_related("plan").filter(phone_number=phone_number).first()
    plan, source = plan_applying(phone_number)
    plan_day = plan_day_of(phone_number, warmup, plan)
    # Before day 1 (not started) a number sends at day 1's limits (warmup.plans.limits).
    current = limits(plan, plan_day)
    return NumberWarmupView(
        warmup=warmup,
        plan_day=plan_day,
        plan=plan,
        plan_source=source,
        limits=current,
        days=number_history(
            phone_number, plan=plan, plan_day=plan_day, today=clock.eastern_day(now)
        ),
        capacity=capacity_now(phone_number, current, now=now),
    )


@dataclass(frozen=True)
class EngineStatus:
    latest: EngineRun | None  # None: the engine never ran
    last_finished: EngineRun | None  # the latest that is not running, when that one runs


def engine_status() -> EngineStatus:
    """The engine's latest run and, while it runs, the one before that finished."""
    latest = EngineRun.objects.order_by("-started_at").first()
    last_finished = None
    if latest is not None and latest.status == EngineRun.Status.RUNNING:
        last_finished = (
            EngineRun.objects.filter(~Q(status=EngineRun.Status.RUNNING))
            .order_by("-started_at")
            .first()
        )
    return EngineStatus(latest=latest, last_finished=last_finished)
