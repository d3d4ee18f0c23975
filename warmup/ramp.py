"""What the engine does to one number on one pass: start, advance, hold, pause, resume,
promote or block it, and what its health and pacing now are. Pure: the engine reads the
state, this decides, the services write it (warmup/services/engine.py).

The rules (the README's "Warmup engine" says the same for people):
- A number with warmup enabled starts on day 1 the first time the engine sees it.
- Once per Eastern-time day, a warming number advances a day when it used at least the
  plan's share of yesterday's SMS allowance and its health does not need attention;
  otherwise it holds. After the plan's last day it is Ready.
- At any pass, a warming or Ready number whose signals cross a pause threshold is paused
  (its reason says which) and cools down; after the cooldown it resumes a few days back,
  judged only on traffic after the pause. Too many automatic pauses in 30 days block it
  until a person looks.
- Pauses made by people, and Blocked numbers, are left alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from phonenumbers_app.vocabularies import EventType, InventoryState, PhoneNumberStatus
from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup import clock, plans
from warmup.health import Health
from warmup.models import WarmupPlan
from warmup.vocabularies import EngineAction, PacingStatus

# States the engine moves a number through; any other (Paused by a person, Blocked) is
# a person's decision and stays until a person changes it.
ENGINE_STATES = (None, W.NOT_STARTED, W.WARMING, W.HEALTHY, W.NEEDS_ATTENTION, W.READY)
AUTO_PAUSE_MEMORY = timedelta(days=30)
# A score that moves less than this between daily evaluations is not worth an event.
SCORE_EVENT_STEP = 5


@dataclass(slots=True)
class NumberState:
    """What the engine reads of one number (PhoneNumber and NumberWarmup columns).

    Never changed in place: a decision makes a new one with `dataclasses.replace`. Not
    frozen only because a frozen dataclass builds every instance field by field through
    object.__setattr__, and a pass builds millions.
    """

    id: Any
    enabled: bool
    inventory_state: str
    status: str
    warmup_enabled: bool
    warmup_state: str | None
    health_status: str | None
    warmup_health_score: int
    warmup_progress_percent: int
    warmup_next_action_at: datetime | None
    warmup_pause_reason: str | None
    health_reason: str | None
    plan_day: int = 0
    started_at: datetime | None = None
    evaluated_day: date | None = None
    pacing_status: str = PacingStatus.UNKNOWN
    auto_paused: bool = False
    cooldown_until: datetime | None = None
    health_since: datetime | None = None
    auto_pauses: tuple[str, ...] = ()
    last_action: str | None = None
    last_action_reason: str | None = None
    last_action_at: datetime | None = None


_STATE_FIELDS = tuple(f.name for f in fields(NumberState))


def _with(state: NumberState, **changes: Any) -> NumberState:
    """`state` with `changes`: dataclasses.replace's result, at a fifth of its cost."""
    values = {name: getattr(state, name) for name in _STATE_FIELDS}
    values.update(changes)
    return NumberState(**values)


# The columns a decision may change, by table.
NUMBER_FIELDS = (
    "warmup_state",
    "health_status",
    "warmup_health_score",
    "warmup_progress_percent",
    "warmup_next_action_at",
    "warmup_pause_reason",
    "health_reason",
)
WARMUP_FIELDS = (
    "plan_day",
    "started_at",
    "evaluated_day",
    "pacing_status",
    "auto_paused",
    "cooldown_until",
    "health_since",
    "auto_pauses",
    "last_action",
    "last_action_reason",
    "last_action_at",
)


@dataclass(frozen=True)
class Decision:
    before: NumberState
    after: NumberState
    action: str | None = None  # EngineAction, for the run's counts
    event_type: str | None = None  # EventType of the number's history entry, if any
    title: str = ""
    details: str | None = None

    @cached_property
    def _number_changes(self) -> dict[str, Any]:
        return _diff(self.before, self.after, NUMBER_FIELDS)

    @cached_property
    def _warmup_changes(self) -> dict[str, Any]:
        return _diff(self.before, self.after, WARMUP_FIELDS)

    def number_changes(self) -> dict[str, Any]:
        return self._number_changes

    def warmup_changes(self) -> dict[str, Any]:
        return self._warmup_changes


def _diff(before: NumberState, after: NumberState, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(after, f) for f in fields if getattr(before, f) != getattr(after, f)}


def decide(
    state: NumberState,
    *,
    plan: WarmupPlan,
    health: Health,
    sent_yesterday: int,
    now: datetime,
) -> Decision:
    """One pass's decision for `state` (see the module's rules)."""
    if state.auto_paused and state.warmup_state != W.PAUSED:
        # A person resumed (or otherwise moved) a number the engine had paused: theirs now.
        taken_over = _with(state, auto_paused=False, cooldown_until=None)
        decision = decide(
            taken_over, plan=plan, health=health, sent_yesterday=sent_yesterday, now=now
        )
        return replace(decision, before=state)
    today = clock.eastern_day(now)
    if state.inventory_state == InventoryState.RELEASED or not state.enabled:
        return _settle(state, _with(state, evaluated_day=today), plan, health, now)
    if not _engine_drives(state):
        # Warmup off, or paused or blocked by a person: health is still watched.
        after = _with(_with_health(state, health, daily=False), evaluated_day=today)
        return _settle(state, after, plan, health, now)

    if state.warmup_state in (None, W.NOT_STARTED):
        return _start(state, plan, health, now, today)

    if state.auto_paused:
        return _cool_down_or_resume(state, plan, health, now, today)

    if state.warmup_state in ENGINE_STATES and health.breach:
        return _pause(state, plan, health, now)

    if state.evaluated_day is None or state.evaluated_day < today:
        return _daily(state, plan, health, sent_yesterday, now, today)

    return _settle(state, _with_health(state, health, daily=False), plan, health, now)


def _engine_drives(state: NumberState) -> bool:
    return state.warmup_enabled and (state.warmup_state in ENGINE_STATES or state.auto_paused)


def _start(state, plan, health, now, today) -> Decision:
    limits = plans.limits(plan, 1)
    after = _with(
        _with_health(state, health, daily=True),
        warmup_state=W.WARMING,
        warmup_progress_percent=plans.progress_percent(plan, 1),
        warmup_next_action_at=clock.next_midnight(now),
        plan_day=1,
        started_at=now,
        evaluated_day=today,
        health_since=now,
        last_action=EngineAction.STARTED,
        last_action_reason=f"Day 1 of {plan.duration_days}: {limits.sms_day} SMS and "
        f"{limits.voice_day} calls a day ({plan.name})",
        last_action_at=now,
    )
    return _decision(
        state, after, plan, health, now, EngineAction.STARTED, EventType.WARMUP_STARTED,
        "Warmup started", after.last_action_reason,
    )  # fmt: skip


def _pause(state, plan, health, now) -> Decision:
    recent = (*_recent_pauses(state, now), now.isoformat())
    blocked = len(recent) >= plan.max_auto_pauses
    if blocked:
        reason = (
            f"Blocked after {len(recent)} automatic pauses in 30 days; a person must review "
            f"it and resume. Last: {health.breach}"
        )
        after = _with(
            _with_health(state, health, daily=True),
            warmup_state=W.BLOCKED,
            warmup_pause_reason=reason,
            warmup_next_action_at=None,
            auto_paused=False,
            cooldown_until=None,
            auto_pauses=recent,
            evaluated_day=clock.eastern_day(now),
            last_action=EngineAction.BLOCKED,
            last_action_reason=reason,
            last_action_at=now,
        )
        return _decision(
            state, after, plan, health, now, EngineAction.BLOCKED, EventType.WARMUP_BLOCKED,
            "Warmup blocked", reason,
        )  # fmt: skip
    cooldown_until = now + timedelta(minutes=plan.cooldown_minutes)
    reason = f"Paused automatically: {health.breach}"
    after = _with(
        _with_health(state, health, daily=True),
        warmup_state=W.PAUSED,
        warmup_pause_reason=reason,
        warmup_next_action_at=cooldown_until,
        auto_paused=True,
        cooldown_until=cooldown_until,
        auto_pauses=recent,
        evaluated_day=clock.eastern_day(now),
        last_action=EngineAction.PAUSED,
        last_action_reason=health.breach,
        last_action_at=now,
    )
    return _decision(
        state, after, plan, health, now, EngineAction.PAUSED, EventType.WARMUP_PAUSED,
        "Warmup paused automatically", f"{health.breach}. Cools down until "
        f"{cooldown_until.astimezone(clock.EASTERN):%b %-d, %-I:%M %p} Eastern.",
    )  # fmt: skip


def _cool_down_or_resume(state, plan, health, now, today) -> Decision:
    if state.cooldown_until and now < state.cooldown_until:
        return _settle(state, _with(state, evaluated_day=today), plan, health, now)
    if health.breach:
        # Still bad after the cooldown (reports that arrived late, or traffic sent anyway):
        # another pause, which counts towards blocking.
        return _pause(_with(state, auto_paused=False), plan, health, now)
    day = max(1, min(state.plan_day, plan.duration_days) - plan.setback_days)
    # Judged from the day after the pause: the pause day's traffic is what paused it.
    paused_at = datetime.fromisoformat(state.auto_pauses[-1]) if state.auto_pauses else now
    judged_from = clock.day_start(clock.eastern_day(paused_at) + timedelta(days=1))
    reason = (
        f"Resumed after cooling down; back to day {day} of {plan.duration_days}, judged "
        "on traffic from now on"
    )
    after = _with(
        state,
        warmup_state=W.WARMING,
        health_status=W.NOT_STARTED,
        health_reason="Judged on traffic since warmup resumed",
        warmup_pause_reason=None,
        warmup_progress_percent=plans.progress_percent(plan, day),
        warmup_next_action_at=clock.next_midnight(now),
        plan_day=day,
        evaluated_day=today,
        auto_paused=False,
        cooldown_until=None,
        health_since=judged_from,
        last_action=EngineAction.RESUMED,
        last_action_reason=reason,
        last_action_at=now,
    )
    return _decision(
        state, after, plan, health, now, EngineAction.RESUMED, EventType.WARMUP_RESUMED,
        "Warmup resumed automatically", reason,
    )  # fmt: skip


def _daily(state, plan, health, sent_yesterday, now, today) -> Decision:
    """The day's one advance-or-hold decision, from yesterday's traffic."""
    day = min(max(state.plan_day, 1), plan.duration_days)
    with_health = _with_health(state, health, daily=True)
    if state.warmup_state == W.READY:
        after = _with(with_health, evaluated_day=today)
        return _settle(state, after, plan, health, now)

    allowance = plans.limits(plan, day).sms_day
    needed = math.ceil(allowance * plan.advance_usage_percent / 100)
    if health.status in (W.NEEDS_ATTENTION, W.BLOCKED):
        return _hold(state, with_health, plan, health, now, today, f"Held on day {day}: "
                     f"{health.reason}")  # fmt: skip
    if sent_yesterday == 0:
        # Idle numbers wait without an entry a day in their history.
        after = _with(
            with_health,
            evaluated_day=today,
            warmup_next_action_at=None,
            last_action=EngineAction.HELD,
            last_action_reason=f"Waiting for traffic on day {day}: no messages sent yesterday",
            last_action_at=now,
        )
        quiet = state.last_action == EngineAction.HELD and state.warmup_next_action_at is None
        if quiet:
            after = _with(
                after,
                last_action_reason=state.last_action_reason,
                last_action_at=state.last_action_at,
            )
        return _decision(
            state, after, plan, health, now, EngineAction.HELD,
            None if quiet else EventType.WARMUP_HELD, "Warmup waiting for traffic",
            after.last_action_reason,
        )  # fmt: skip
    if sent_yesterday < needed:
        reason = f"Held on day {day}: sent {sent_yesterday} of {allowance} allowed yesterday"
        return _hold(state, with_health, plan, health, now, today, f"{reason} (needs {needed})")

    if day >= plan.duration_days:
        reason = f"Completed {plan.duration_days} days of {plan.name}"
        after = _with(
            with_health,
            warmup_state=W.READY,
            warmup_progress_percent=100,
            warmup_next_action_at=None,
            plan_day=plan.duration_days,
            evaluated_day=today,
            last_action=EngineAction.PROMOTED,
            last_action_reason=reason,
            last_action_at=now,
        )
        return _decision(
            state, after, plan, health, now, EngineAction.PROMOTED, EventType.WARMUP_READY,
            "Warmup completed: Ready", reason,
        )  # fmt: skip
    new_day = day + 1
    limits = plans.limits(plan, new_day)
    reason = (
        f"Day {new_day} of {plan.duration_days}: {limits.sms_day} SMS and {limits.voice_day} "
        f"calls a day (sent {sent_yesterday} of {allowance} yesterday)"
    )
    after = _with(
        with_health,
        warmup_state=W.WARMING,
        warmup_progress_percent=plans.progress_percent(plan, new_day),
        warmup_next_action_at=clock.next_midnight(now),
        plan_day=new_day,
        evaluated_day=today,
        last_action=EngineAction.ADVANCED,
        last_action_reason=reason,
        last_action_at=now,
    )
    return _decision(
        state, after, plan, health, now, EngineAction.ADVANCED, EventType.WARMUP_ADVANCED,
        f"Warmup advanced to day {new_day}", reason,
    )  # fmt: skip


def _hold(state, with_health, plan, health, now, today, reason) -> Decision:
    after = _with(
        with_health,
        evaluated_day=today,
        warmup_next_action_at=clock.next_midnight(now),
        last_action=EngineAction.HELD,
        last_action_reason=reason,
        last_action_at=now,
    )
    return _decision(
        state, after, plan, health, now, EngineAction.HELD, EventType.WARMUP_HELD,
        "Warmup held", reason,
    )  # fmt: skip


def _with_health(state: NumberState, health: Health, *, daily: bool) -> NumberState:
    """`state` with `health` applied. Between daily evaluations the score follows only
    moves of SCORE_EVENT_STEP or more (or a change of status), so a busy number does not
    write an event every pass."""
    score = state.warmup_health_score if health.score is None else health.score
    if (
        not daily
        and health.status == state.health_status
        and abs(score - state.warmup_health_score) < SCORE_EVENT_STEP
    ):
        return state
    return _with(
        state, health_status=health.status, warmup_health_score=score, health_reason=health.reason
    )


def _settle(before, after, plan, health, now) -> Decision:
    """No ramp action: health (already applied to `after`) and pacing only."""
    after = _with(after, pacing_status=pacing(after, now, plan))
    event = EventType.HEALTH_CHANGED if _health_moved(before, after) else None
    return Decision(
        before,
        after,
        None,
        event,
        "Health changed",
        after.health_reason if event else None,
    )


def _decision(before, after, plan, health, now, action, event_type, title, details) -> Decision:
    after = _with(after, pacing_status=pacing(after, now, plan))
    return Decision(before, after, action, event_type, title, details)


def _health_moved(before: NumberState, after: NumberState) -> bool:
    return (
        before.health_status != after.health_status
        or before.warmup_health_score != after.warmup_health_score
        or before.health_reason != after.health_reason
    )


def _recent_pauses(state: NumberState, now: datetime) -> tuple[str, ...]:
    since = now - AUTO_PAUSE_MEMORY
    return tuple(p for p in state.auto_pauses if datetime.fromisoformat(p) >= since)


def pacing(state: NumberState, now: datetime, plan: WarmupPlan) -> str:
    """The published document's pacing status (`PhoneNumberOutboundHealthStatus`)."""
    if state.inventory_state == InventoryState.RELEASED or not state.enabled:
        return PacingStatus.DISABLED
    if (
        state.warmup_state == W.BLOCKED
        or state.status == PhoneNumberStatus.SUSPENDED
        or state.inventory_state in (InventoryState.SUSPENDED, InventoryState.FAILED)
    ):
        return PacingStatus.SUSPENDED
    if state.warmup_state == W.PAUSED:
        return PacingStatus.COOLING_DOWN if state.auto_paused else PacingStatus.LIMITED
    if state.health_status in (W.NEEDS_ATTENTION, W.BLOCKED):
        return PacingStatus.LIMITED
    if state.last_action == EngineAction.RESUMED:
        return PacingStatus.COOLING_DOWN  # until its first day back is judged
    if state.warmup_state == W.READY or (
        not state.warmup_enabled and state.health_status == W.HEALTHY
    ):
        return PacingStatus.HEALTHY
    if state.warmup_enabled and state.warmup_state in (W.WARMING, W.HEALTHY):
        return PacingStatus.NEW if state.plan_day <= 1 else PacingStatus.WARMUP
    return PacingStatus.UNKNOWN if not state.warmup_enabled else PacingStatus.NEW
