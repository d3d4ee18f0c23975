"""A number's status answer (`GET /phone-numbers/{id}/warmup`, `GET .../{number}/status`):
the published document's `PhoneNumberStatusResponse`, computed from the engine's state
(NumberWarmup and the number's warmup columns), the plan's limits, the capacity counters
and the daily stats, plus what we add (plan, day, limits, last action, window).

Traffic (stats and recent events) is the number's current owner's only: a number moved
to another business does not show its previous owner's messages. A number in the pool
has no owner; staff, the only ones who see it, get every owner's traffic.

`messagesPossible`/`callsPossible`: how many SMS / calls the number may send now, the
smallest remaining of its minute, hour and day; 0 when it may not send on that channel
at all (see `sending_blocker`) or when the counters cannot be read (fail closed:
`outboundCapacity.capacityAvailable` says so). `outboundCapacity` itself is the
arithmetic of the windows under the plan's limits, blockers or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.readiness import READINESS_COLUMNS, readiness
from phonenumbers_app.vocabularies import (
    TenDlcCampaignStatus,
    WarmupHealthState,
)
from warmup import capacity, clock, plans, reservations, selectors, sending
from warmup.models import MessageOutcome, NumberWarmup, WarmupPlan
from warmup.sending import pacing_status, with_reason
from warmup.vocabularies import Channel, Direction, Outcome

DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 90
# Dates outside these are refused (nothing was sent then; and date arithmetic stays
# far from Python's year 1 and 9999).
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2999, 12, 31)

# The published document's readiness states -> uiState.tone.
UI_TONES = {
    "Not Started": "neutral",
    "In Progress": "info",
    "Paused": "warning",
    "Blocked": "danger",
    "Ready": "success",
}


class WindowInvalid(ValueError):
    """The window's parameters do not make a window: `errors` by parameter name."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class StatsWindow:
    """Eastern-time days `first_day` to `last_day`, both included."""

    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def each_day(self) -> Iterator[date]:
        for offset in range(self.days):
            yield self.first_day + timedelta(days=offset)


def stats_window(
    *,
    today: date,
    window_days: int | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
) -> StatsWindow:
    """The window the parameters describe (Eastern days; `today` is the Eastern today).

    None: the last DEFAULT_WINDOW_DAYS days to today. windowDays alone: that many days to
    today; with endDate: that many days to endDate; with startDate: that many days from
    it. startDate and endDate: those days (windowDays, if given too, must agree).
    startDate alone: from it to today. At most MAX_WINDOW_DAYS days. Raises WindowInvalid.
    """
    errors: dict[str, list[str]] = {}
    if window_days is not None and not 1 <= window_days <= MAX_WINDOW_DAYS:
        errors["windowDays"] = [f"Must be from 1 to {MAX_WINDOW_DAYS} (days)."]
    for name, value in (("startDate", start_date), ("endDate", end_date)):
        if value is not None and not FIRST_DATE <= value <= LAST_DATE:
            errors[name] = [f"Must be a date from {FIRST_DATE} to {LAST_DATE}."]
    if errors:
        raise WindowInvalid(errors)
    if start_date is not None and end_date is not None:
        window = StatsWindow(start_date, end_date)
        if start_date > end_date:
            raise WindowInvalid({"startDate": ["Must not be after endDate."]})
        if window_days is not None and window_days != window.days:
            raise WindowInvalid(
                {"windowDays": [f"Must be {window.days} (startDate to endDate) or be omitted."]}
            )
    elif start_date is not None:
        if window_days is not None:
            window = StatsWindow(start_date, start_date + timedelta(days=window_days - 1))
        else:
            if start_date > today:
                late = f"Must not be after today ({today}, US Eastern) without endDate."
                raise WindowInvalid({"startDate": [late]})
            window = StatsWindow(start_date, today)
    else:
        last_day = end_date or today
        days = window_days or DEFAULT_WINDOW_DAYS
        window = StatsWindow(last_day - timedelta(days=days - 1), last_day)
    if window.days > MAX_WINDOW_DAYS:
        raise WindowInvalid(
            {"startDate": [f"The window is {window.days} days; at most {MAX_WINDOW_DAYS}."]}
        )
    return window


# --- What the number may do ---------------------------------------------------------


def sending_blocker(
    phone_number: PhoneNumber, warmup: NumberWarmup | None, channel: str
) -> str | None:
    """Why the number may not send on `channel` (capacity.SMS or capacity.VOICE) at all,
    or None. The first reason that applies, the most fundamental first (warmup/sending.py)."""
    return sending.blocker(sending.sending_conditions(channel), phone_number, warmup)


def limits_day(phone_number: PhoneNumber, plan: WarmupPlan, plan_day: int) -> int:
    """The plan day whose limits apply: the engine's day while warming; the last day's
    once warmup is complete or for a number that does not warm up."""
    if phone_number.warmup_enabled and phone_number.warmup_state != WarmupHealthState.READY:
        return plan_day
    return plan.duration_days


# --- The answer -------------------------------------------------------------------


def phone_number_status(
    phone_number: PhoneNumber, *, window: StatsWindow, now: datetime
) -> dict[str, Any]:
    """The status answer of `phone_number` (read with selectors' STATUS_JOINS)."""
    warmup = selectors.number_warmup_of(phone_number)
    plan = selectors.plan_for(phone_number)
    plan_day = selectors.plan_day_of(phone_number, warmup, plan)
    limits = plans.limits(plan, limits_day(phone_number, plan, plan_day))
    try:
        # Units held for sends the outgoing-number selection handed out and that are not
        # reported yet count as used: the selection sees the same room.
        used = reservations.used_now(phone_number.pk, now=now)
    except capacity.CountersUnavailable:
        used = None
    blockers = {
        channel: sending_blocker(phone_number, warmup, channel) for channel in capacity.CHANNELS
    }
    if used is None:
        unavailable = "Capacity cannot be calculated now (the counters are unavailable)."
        blockers = {channel: reason or unavailable for channel, reason in blockers.items()}
        possible = dict.fromkeys(capacity.CHANNELS, 0)
    else:
        remaining = capacity.summary(limits, used)
        possible = {
            channel: 0 if blockers[channel] else min(remaining[channel].values())
            for channel in capacity.CHANNELS
        }
    # The current owner's traffic (None: every owner's, for a pool number staff read).
    owner = phone_number.business_id
    stats = selectors.daily_stats(
        phone_number, business_id=owner, first_day=window.first_day, last_day=window.last_day
    )
    events = selectors.recent_outcomes(phone_number, business_id=owner)
    ramping = (
        phone_number.warmup_enabled
        and phone_number.warmup_state != WarmupHealthState.READY
        and plan_day < plan.duration_days
    )
    return {
        "number": phone_number.number,
        "messagesPossible": possible[capacity.SMS],
        "callsPossible": possible[capacity.VOICE],
        "smsWarmup": sms_warmup(phone_number, plan=plan, plan_day=plan_day, limits=limits),
        "outboundCapacity": outbound_capacity(
            phone_number,
            warmup=warmup,
            limits=limits,
            used=used,
            now=now,
            sms_ramping=ramping,
            voice_ramping=ramping and limits.voice_stage < plans.VOICE_STAGES - 1,
        ),
        "optOutMetrics": opt_out_metrics(stats, window),
        "trafficMetrics": traffic_metrics(stats, window),
        "recentEvents": [messaging_event(phone_number, outcome) for outcome in events],
        # --- Ours, beyond the published document ---
        "plan": {"id": str(plan.pk), "name": plan.name},
        "planDay": plan_day,
        "planDays": plan.duration_days,
        "limits": {
            "smsPerMinute": limits.sms_minute,
            "smsPerHour": limits.sms_hour,
            "smsPerDay": limits.sms_day,
            "voiceStage": limits.voice_stage,
            "callsPerMinute": limits.voice_minute,
            "callsPerHour": limits.voice_hour,
            "callsPerDay": limits.voice_day,
        },
        "lastAction": last_action(warmup),
        "sendingBlockedReason": {
            "sms": blockers[capacity.SMS],
            "voice": blockers[capacity.VOICE],
        },
        "window": {
            "startDate": window.first_day.isoformat(),
            "endDate": window.last_day.isoformat(),
            "windowDays": window.days,
        },
    }


def sms_warmup(
    phone_number: PhoneNumber, *, plan: WarmupPlan, plan_day: int, limits: plans.Limits
) -> dict[str, Any]:
    """SmsReadinessStatusResponse: the document's vocabularies from the one mapping
    (phonenumbers_app/readiness.py), and a uiState saying what the state means for the number."""
    mapped = readiness({column: getattr(phone_number, column) for column in READINESS_COLUMNS})
    state = mapped["state"]
    return {
        "phoneNumberId": str(phone_number.pk),
        "phoneNumber": phone_number.number,
        "status": state,
        "healthStatus": mapped["healthStatus"],
        "healthScore": mapped["healthScore"],
        "progressPercent": mapped["progressPercent"],
        "warmupEnabled": mapped["enabled"],
        "uiState": {
            "label": state,
            "tone": UI_TONES[state],
            "description": _ui_description(phone_number, state, plan, plan_day, limits),
        },
    }


def _ui_description(
    n: PhoneNumber, state: str, plan: WarmupPlan, plan_day: int, limits: plans.Limits
) -> str:
    if state == "Ready":
        return "Warmup is complete: the number sends at its full limits."
    if state == "Paused":
        return with_reason("Warmup is paused", n.warmup_pause_reason)
    if state == "Blocked":
        return with_reason("Warmup is blocked", n.warmup_pause_reason or n.health_reason)
    if state == "In Progress":
        day = max(plan_day, 1)
        return (
            f"Day {day} of {plan.duration_days} of {plan.name}: up to {limits.sms_day} SMS "
            f"and {limits.voice_day} calls a day."
        )
    if not n.warmup_enabled:
        return "Warmup is off: the number sends at its plan's full limits."
    return f"Warmup starts on the engine's next run, at {limits.sms_day} SMS a day."


def outbound_capacity(
    phone_number: PhoneNumber,
    *,
    warmup: NumberWarmup | None,
    limits: plans.Limits,
    used: dict[str, dict[str, int]] | None,
    now: datetime,
    sms_ramping: bool,
    voice_ramping: bool,
) -> dict[str, Any]:
    """OutboundPhoneNumberCapacity: used, remaining and limit this minute, Eastern hour
    and Eastern day, and when each resets; zeros when the counters cannot be read."""
    resets = capacity.resets(now)
    ten_dlc = getattr(phone_number, "ten_dlc", None)  # every number has one; tests' may not
    campaign = ten_dlc.campaign_status if ten_dlc is not None else None
    body: dict[str, Any] = {
        "capacityAvailable": used is not None,
        "phoneNumberId": str(phone_number.pk),
        "phoneNumber": phone_number.number,
        "healthStatus": pacing_status(phone_number, warmup),
        "healthReason": phone_number.health_reason,
        "smsApproved": campaign == TenDlcCampaignStatus.APPROVED,
        "smsRamping": sms_ramping,
        "voiceRamping": voice_ramping,
    }
    windows = (("minute", "ThisMinute", "Minutely"), ("hour", "ThisHour", "Hourly"))
    windows += (("day", "Today", "Daily"),)
    limit_of = {
        (capacity.SMS, "minute"): limits.sms_minute,
        (capacity.SMS, "hour"): limits.sms_hour,
        (capacity.SMS, "day"): limits.sms_day,
        (capacity.VOICE, "minute"): limits.voice_minute,
        (capacity.VOICE, "hour"): limits.voice_hour,
        (capacity.VOICE, "day"): limits.voice_day,
    }
    for channel in capacity.CHANNELS:
        for window, suffix, resets_name in windows:
            if used is None:
                limit = used_now = 0
            else:
                limit, used_now = limit_of[channel, window], used[channel][window]
            body[f"{channel}Remaining{suffix}"] = capacity.remaining(limit, used_now)
            body[f"{channel}Used{suffix}"] = used_now
            body[f"{channel}Limit{suffix}"] = limit
            body[f"{channel}{resets_name}ResetsAt"] = resets[window]
    return body


def _totals(stats: dict[date, dict[str, int]]) -> dict[str, int]:
    totals = dict.fromkeys(selectors.STATS_COLUMNS, 0)
    for day in stats.values():
        for column, count in day.items():
            totals[column] += count
    return totals


def opt_out_metrics(stats: dict[date, dict[str, int]], window: StatsWindow) -> dict[str, Any]:
    """PhoneNumberOptOutMetricsResponse. Recipients are distinct within each Eastern day
    (DailyStats.recipients), summed over the window's days."""
    totals = _totals(stats)
    contacted, opt_outs = totals["recipients"], totals["opt_outs"]
    return {
        "windowDays": window.days,
        "windowStartedAt": clock.day_start(window.first_day),
        "distinctContactedCount": contacted,
        "optOutCount": opt_outs,
        "optOutRatePercent": round(100 * opt_outs / contacted, 2) if contacted else 0.0,
    }


def _traffic_counts(counts: dict[str, int]) -> dict[str, int]:
    # A carrier's rejection is a failed message too (the document has no count of its own).
    return {
        "smsSentCount": counts["sms_sent"],
        "smsFailedCount": counts["sms_failed"] + counts["sms_carrier_rejected"],
        "mmsSentCount": counts["mms_sent"],
        "mmsFailedCount": counts["mms_failed"] + counts["mms_carrier_rejected"],
        "callPlacedCount": counts["calls_placed"],
        "callFailedCount": counts["calls_failed"],
    }


def traffic_metrics(stats: dict[date, dict[str, int]], window: StatsWindow) -> dict[str, Any]:
    """PhoneNumberTrafficMetricsResponse, with one trend point per Eastern day (23 or 25
    hours long on the days the clocks change)."""
    totals = _totals(stats)
    empty = dict.fromkeys(selectors.STATS_COLUMNS, 0)
    trend = []
    for day in window.each_day():
        trend.append(
            {
                "startAt": clock.day_start(day),
                "endAt": clock.day_start(day + timedelta(days=1)),
                "label": f"{day:%b} {day.day}",
                **_traffic_counts(stats.get(day, empty)),
            }
        )
    return {
        "windowDays": window.days,
        "windowStartedAt": clock.day_start(window.first_day),
        **_traffic_counts(totals),
        "callConnectedCount": totals["calls_connected"],
        "callShortCount": totals["calls_short"],
        "callInvalidNumberCount": totals["calls_invalid_number"],
        "trend": trend,
    }


def messaging_event(phone_number: PhoneNumber, outcome: MessageOutcome) -> dict[str, Any]:
    """PhoneNumberMessagingEventResponse of a reported outcome. Message text is never
    stored, so textPreview is empty; a recipient not reported is ""."""
    other = outcome.recipient or ""
    inbound = outcome.direction == Direction.INBOUND
    return {
        "id": str(outcome.pk),
        "createdAt": outcome.occurred_at,
        "label": f"{Channel(outcome.channel).label}: {Outcome(outcome.outcome).label}",
        "eventType": f"{outcome.channel}.{outcome.outcome}",
        "direction": outcome.direction,
        "fromPhoneNumber": other if inbound else phone_number.number,
        "toPhoneNumber": phone_number.number if inbound else other,
        "textPreview": "",
        "isOptOut": outcome.outcome == Outcome.OPT_OUT,
        # Ours:
        "messageId": outcome.message_id,
        "channel": outcome.channel,
        "outcome": outcome.outcome,
        "errorCode": outcome.error_code,
    }


def last_action(warmup: NumberWarmup | None) -> dict[str, Any] | None:
    if warmup is None or warmup.last_action is None:
        return None
    return {
        "action": warmup.last_action,
        "reason": warmup.last_action_reason,
        "at": warmup.last_action_at,
    }
