"""The 200 profiles: what kind of number each row is (state, status, warmup, 10DLC)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from bench.load_data.vocabulary import (
    APPROVED,
    CAMPAIGN_STATUSES,
    EXPIRED_ERROR,
    EXPIRED_REASON,
    FAILED,
    NOT_SUBMITTED,
    PENDING,
    PROFILE_SLOTS,
    REASONS,
    REJECTED,
    SUSPENDED_ERROR,
    SUSPENDED_REASON,
)
from phonenumbers_app.vocabularies import InventoryState as S
from phonenumbers_app.vocabularies import PhoneNumberStatus as St
from phonenumbers_app.vocabularies import WarmupHealthState as W


@dataclass(frozen=True)
class Profile:
    """Everything about a number that does not vary per row. Fields become columns of a
    temporary table on PostgreSQL, so they are scalars."""

    pid: int
    inventory_state: str
    status: str
    owned: bool
    leadping_owned: bool
    enabled: bool
    capability_sms: bool
    capability_voice: bool
    capability_warmup: bool
    capability_testing: bool
    routing_sms_enabled: bool
    routing_voice_enabled: bool
    routing_warmup_only: bool
    routing_internal_test_only: bool
    is_internal_pool: bool
    is_approved_test_destination: bool
    is_messaging_program_approved: bool
    may_be_preferred: bool
    may_be_default: bool
    has_provider: bool
    provider_order_status: str | None
    provider_status: str | None
    provider_error: str | None
    warmup_enabled: bool
    warmup_state: str
    health_status: str
    score_lo: int
    score_hi: int
    progress_lo: int
    progress_hi: int
    has_next_action: bool
    warmup_pause_reason: str | None
    health_reason: str | None
    campaign_status: str
    assignment_status: str | None
    failure_reason: str | None
    submitted: bool
    monthly_amount: Decimal | None
    channel: str | None
    name_prefix: str | None


# Warmup kinds: (enabled, warmupState, healthStatus, score range, progress range,
# next action scheduled, pause-reason list, health-reason list)
_WARMUP: dict[str, tuple] = {
    "off": (False, W.NOT_STARTED, W.NOT_STARTED, (0, 0), (0, 0), False, None, None),
    "off_healthy": (False, W.NOT_STARTED, W.HEALTHY, (0, 0), (0, 0), False, None, None),
    "warming": (True, W.WARMING, W.HEALTHY, (55, 90), (5, 85), True, None, None),
    "warming_early": (True, W.WARMING, W.WARMING, (40, 70), (1, 25), True, None, None),
    "healthy": (True, W.HEALTHY, W.HEALTHY, (80, 100), (70, 99), True, None, None),
    "ready": (True, W.READY, W.HEALTHY, (88, 100), (100, 100), False, None, None),
    "ready_ready": (True, W.READY, W.READY, (90, 100), (100, 100), False, None, None),
    "attention": (
        True, W.NEEDS_ATTENTION, W.NEEDS_ATTENTION, (25, 60), (20, 90), True, None, "attention"
    ),
    "healthy_attention": (
        True, W.HEALTHY, W.NEEDS_ATTENTION, (50, 75), (70, 99), True, None, "attention"
    ),
    "paused": (True, W.PAUSED, W.PAUSED, (30, 80), (10, 90), False, "pause", "paused"),
    "paused_attention": (
        True, W.PAUSED, W.NEEDS_ATTENTION, (20, 55), (10, 80), False, "pause", "attention"
    ),
    "blocked": (True, W.BLOCKED, W.BLOCKED, (1, 20), (5, 60), False, "blocked_pause", "blocked"),
    "blocked_off": (False, W.NOT_STARTED, W.BLOCKED, (0, 0), (0, 0), False, None, "blocked"),
    "attention_off": (
        False, W.NOT_STARTED, W.NEEDS_ATTENTION, (0, 0), (0, 0), False, None, "attention"
    ),
}  # fmt: skip

POOL, INTERNAL, OWNED = "pool", "internal", "owned"

# (count of the 200 slots, inventoryState, status, owner, warmup kinds, 10DLC statuses,
#  overrides). Most numbers are Assigned / Ready for SMS, Active, Healthy; every value of
#  every vocabulary appears (checked by _check_profiles).
_GROUPS: list[tuple] = [
    (24, S.AVAILABLE, St.ACTIVE, POOL, {"off": 24}, {NOT_SUBMITTED: 24}, {}),
    (3, S.AVAILABLE, St.UNREGISTERED, POOL, {"off": 3}, {NOT_SUBMITTED: 3}, {}),
    (3, S.AVAILABLE, St.PROVISIONING, POOL, {"off": 3}, {NOT_SUBMITTED: 3}, {}),
    (3, S.PENDING_VERIFICATION, St.PROVISIONING, POOL, {"off": 3}, {NOT_SUBMITTED: 3}, {}),
    (3, S.FAILED, St.FAILED_PROVISIONING, POOL, {"blocked_off": 3}, {NOT_SUBMITTED: 3}, {}),
    (3, S.INTERNAL_TEST_ONLY, St.ACTIVE, INTERNAL, {"off_healthy": 3}, {NOT_SUBMITTED: 3}, {}),
    (
        52, S.ASSIGNED, St.ACTIVE, OWNED,
        {"healthy": 18, "warming": 10, "warming_early": 4, "ready": 7, "attention": 3,
         "healthy_attention": 2, "paused": 3, "paused_attention": 1, "ready_ready": 2,
         "blocked": 2},
        {APPROVED: 30, PENDING: 14, NOT_SUBMITTED: 8}, {},
    ),
    (5, S.ASSIGNED, St.PROVISIONING, OWNED, {"off": 5}, {NOT_SUBMITTED: 5}, {}),
    (1, S.ASSIGNED, St.UNREGISTERED, OWNED, {"off": 1}, {NOT_SUBMITTED: 1}, {}),
    (
        2, S.ASSIGNED, St.EXPIRED, OWNED, {"attention_off": 2}, {APPROVED: 2},
        {"health_reason": EXPIRED_REASON},
    ),
    (
        50, S.READY_FOR_SMS, St.ACTIVE, OWNED,
        {"ready": 19, "ready_ready": 6, "healthy": 17, "warming": 4, "attention": 2,
         "healthy_attention": 1, "paused": 1},
        {APPROVED: 50}, {},
    ),
    (
        12, S.READY_FOR_VOICE, St.ACTIVE, OWNED,
        {"off_healthy": 6, "healthy": 3, "warming": 3}, {NOT_SUBMITTED: 6, PENDING: 6}, {},
    ),
    (
        12, S.WARMUP_ONLY, St.ACTIVE, OWNED,
        {"warming": 7, "warming_early": 3, "attention": 1, "blocked": 1},
        {APPROVED: 8, PENDING: 4}, {},
    ),
    (3, S.PENDING_VERIFICATION, St.PROVISIONING, OWNED, {"off": 3}, {PENDING: 3}, {}),
    (3, S.PENDING_VERIFICATION, St.ACTIVE, OWNED, {"off": 3}, {PENDING: 3}, {}),
    (1, S.PENDING_VERIFICATION, St.UNREGISTERED, OWNED, {"off": 1}, {PENDING: 1}, {}),
    (
        4, S.RESTRICTED, St.ACTIVE, OWNED, {"paused_attention": 2, "attention": 2},
        {REJECTED: 2, FAILED: 2}, {"health_reason": "campaign"},
    ),
    (
        2, S.RESTRICTED, St.SUSPENDED, OWNED, {"blocked": 2}, {REJECTED: 1, FAILED: 1},
        {"health_reason": SUSPENDED_REASON},
    ),
    (
        6, S.SUSPENDED, St.SUSPENDED, OWNED, {"blocked": 3, "paused": 3},
        {APPROVED: 3, REJECTED: 3}, {"health_reason": SUSPENDED_REASON},
    ),
    (2, S.FAILED, St.FAILED_PROVISIONING, OWNED, {"blocked_off": 2}, {FAILED: 2}, {}),
    (3, S.RELEASED, St.ACTIVE, OWNED, {"ready": 3}, {APPROVED: 3}, {}),
    (3, S.RELEASED, St.EXPIRED, OWNED, {"off": 3}, {NOT_SUBMITTED: 3}, {}),
]  # fmt: skip

# inventoryState → (routing sms, voice, warmup only, internal test only); Assigned
# routes voice once the provider has activated the number.
_ROUTING = {
    S.AVAILABLE: (False, False, False, False),
    S.ASSIGNED: (False, None, False, False),
    S.PENDING_VERIFICATION: (False, False, False, False),
    S.READY_FOR_SMS: (True, True, False, False),
    S.READY_FOR_VOICE: (False, True, False, False),
    S.RESTRICTED: (False, True, False, False),
    S.SUSPENDED: (False, False, False, False),
    S.FAILED: (False, False, False, False),
    S.RELEASED: (False, False, False, False),
    S.WARMUP_ONLY: (True, False, True, False),
    S.INTERNAL_TEST_ONLY: (True, True, False, True),
}
# status → (provider known, providerOrderStatus, providerStatus)
_PROVIDER = {
    St.UNREGISTERED: (False, None, None),
    St.PROVISIONING: (True, "pending", "pending"),
    St.FAILED_PROVISIONING: (True, "failed", "failed"),
    St.ACTIVE: (True, "complete", "active"),
    St.EXPIRED: (True, "complete", "expired"),
    St.SUSPENDED: (True, "complete", "suspended"),
}
_ASSIGNMENT = {
    NOT_SUBMITTED: None,
    PENDING: "PENDING_ASSIGNMENT",
    APPROVED: "ASSIGNED",
    REJECTED: "NOT_ASSIGNED",
    FAILED: "FAILED",
}
_OWNED_AMOUNTS = ("1.15", "1.15", "1.15", "1.50", "2.00")
_OWNED_CHANNELS = ("stripe", "stripe", "invoice", "partner")


def _expand(mix: dict[str, int]) -> list[str]:
    return [key for key, count in mix.items() for _ in range(count)]


@lru_cache(maxsize=1)
def profiles() -> tuple[Profile, ...]:
    """The PROFILE_SLOTS profiles, in a fixed order (the seed only changes which row
    gets which)."""
    cycles = dict.fromkeys((*REASONS, "amount", "channel"), 0)

    def take(key: str, values: tuple) -> Any:
        value = values[cycles[key] % len(values)]
        cycles[key] += 1
        return value

    result: list[Profile] = []
    for number, (count, state, status, owner, warmup, campaigns, extra) in enumerate(_GROUPS):
        kinds = _expand(warmup)
        statuses = _expand(campaigns)
        random.Random(1000 + number).shuffle(statuses)
        assert len(kinds) == len(statuses) == count, (state, status)
        for j in range(count):
            result.append(
                _profile(len(result), state, status, owner, kinds[j], statuses[j], j, extra, take)
            )
    _check_profiles(result)
    return tuple(result)


def _profile(pid, state, status, owner, kind, campaign, j, extra, take) -> Profile:
    enabled, warmup_state, health, score, progress, next_action, pause, reason = _WARMUP[kind]
    pause_reason = take(pause, REASONS[pause]) if pause else None
    failure = None
    if campaign in (REJECTED, FAILED):
        failure = take(campaign.lower(), REASONS[campaign.lower()])
    health_reason = None
    if reason == "paused":
        health_reason = f"Warmup paused: {pause_reason}"
    elif reason:
        health_reason = extra.get("health_reason") or take(reason, REASONS[reason])
        if health_reason == "campaign":
            health_reason = (
                f"10DLC campaign {campaign.lower()}: SMS is restricted until it is fixed."
            )
    has_provider, order_status, provider_status = _PROVIDER[status]
    provider_error = None
    if status == St.FAILED_PROVISIONING:
        provider_error = take("provisioning", REASONS["provisioning"])
        health_reason = f"Provisioning failed: {provider_error}"
    elif status == St.EXPIRED:
        provider_error = EXPIRED_ERROR
    elif status == St.SUSPENDED:
        provider_error = SUSPENDED_ERROR
    if state == S.RELEASED:
        provider_status = "released"
    sms, voice, warmup_only, internal_only = _ROUTING[state]
    if voice is None:
        voice = status == St.ACTIVE
    owned = owner == OWNED
    if owner == POOL:
        amount, channel, prefix = Decimal("1.00"), None, "Pool"
    elif owner == INTERNAL:
        amount, channel, prefix = Decimal("0.00"), "internal", "QA test line"
    else:
        amount = Decimal(take("amount", _OWNED_AMOUNTS))
        channel, prefix = take("channel", _OWNED_CHANNELS), None
    if state == S.RELEASED:
        amount = Decimal("0.00")
    return Profile(
        pid=pid,
        inventory_state=str(state),
        status=str(status),
        owned=owned,
        # Pool stock is bought by us; 2 of 5 owned numbers were created straight into
        # their business (the customer's own), the others claimed from the pool.
        leadping_owned=not owned or j % 5 < 3,
        enabled=state != S.RELEASED,
        capability_sms=True,
        capability_voice=True,
        capability_warmup=True,
        capability_testing=owner == INTERNAL,
        routing_sms_enabled=sms,
        routing_voice_enabled=voice,
        routing_warmup_only=warmup_only,
        routing_internal_test_only=internal_only,
        is_internal_pool=owner == INTERNAL,
        is_approved_test_destination=owner == INTERNAL,
        is_messaging_program_approved=campaign == APPROVED,
        may_be_preferred=state == S.AVAILABLE,
        may_be_default=owned
        and state in (S.ASSIGNED, S.READY_FOR_SMS, S.READY_FOR_VOICE, S.WARMUP_ONLY),
        has_provider=has_provider,
        provider_order_status=order_status,
        provider_status=provider_status,
        provider_error=provider_error,
        warmup_enabled=enabled,
        warmup_state=str(warmup_state),
        health_status=str(health),
        score_lo=score[0],
        score_hi=score[1],
        progress_lo=progress[0],
        progress_hi=progress[1],
        has_next_action=next_action and state != S.RELEASED,
        warmup_pause_reason=pause_reason,
        health_reason=health_reason,
        campaign_status=campaign,
        assignment_status=_ASSIGNMENT[campaign],
        failure_reason=failure,
        submitted=campaign != NOT_SUBMITTED,
        monthly_amount=amount,
        channel=channel,
        name_prefix=prefix,
    )


def _check_profiles(rows: list[Profile]) -> None:
    assert len(rows) == PROFILE_SLOTS, len(rows)
    for attribute, vocabulary in (
        ("inventory_state", S.values),
        ("status", St.values),
        ("warmup_state", W.values),
        ("health_status", W.values),
        ("campaign_status", CAMPAIGN_STATUSES),
    ):
        missing = set(vocabulary) - {getattr(p, attribute) for p in rows}
        assert not missing, f"no profile has {attribute} {missing}"
    for p in rows:
        assert p.owned or p.inventory_state != S.ASSIGNED, p
        assert not p.owned or p.inventory_state != S.AVAILABLE, p
        assert 0 <= p.score_lo <= p.score_hi <= 100 and 0 <= p.progress_lo <= p.progress_hi <= 100
        assert p.failure_reason or p.campaign_status not in (REJECTED, FAILED), p
        needs_reason = (W.NEEDS_ATTENTION, W.PAUSED, W.BLOCKED)
        assert p.health_reason or p.health_status not in needs_reason, p
        assert p.warmup_pause_reason or p.warmup_state not in (W.PAUSED, W.BLOCKED), p
