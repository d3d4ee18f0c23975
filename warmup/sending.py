"""Whether a number may send on a channel: the one rule, as a query and as a test of one row.

Each `Condition` holds the filter that keeps the numbers meeting it (`keeps`, for the
outgoing-number selection, which must find senders among thousands without reading them
all) and the same test of one number (`holds`, for the status answer's
`sendingBlockedReason`), with what to say when it fails. Both come from this one list, so
a number the status answer says may send is one the selection can choose, and a test
holds the two forms together on every kind of row.

`sending_conditions(channel)` is what sending at all takes: the status answer's rule.
`lead_conditions(channel)` adds what sending to leads takes (the selection's rule): an
Active number, not reserved for warmup or internal tests, and for SMS an approved 10DLC
campaign.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.db.models import Q

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import (
    InventoryState,
    PhoneNumberStatus,
    TenDlcCampaignStatus,
    WarmupHealthState,
)
from warmup import capacity
from warmup.models import NumberWarmup
from warmup.vocabularies import PacingStatus

W = WarmupHealthState
Row = PhoneNumber  # read with select_related("warmup", "ten_dlc") where many are tested

# Stages of the rule, in order: the selection's "why can nothing send" names the first
# stage that leaves no number (outgoing/setup.py).
ACTIVE, CHANNEL, CAMPAIGN, PAUSED = "active", "channel", "campaign", "paused"


@dataclass(frozen=True)
class Condition:
    name: str
    stage: str
    keeps: Q  # the numbers that meet it
    holds: Callable[[Row, NumberWarmup | None], bool]
    refusal: Callable[[Row, NumberWarmup | None], str]  # why a number that fails it cannot send
    # It reads the engine's or the 10DLC row, not only the number's (a filter of it joins
    # them: the selection tests these in Python on the rows it reads).
    joined: bool = False


def pacing_status(n: Row, warmup: NumberWarmup | None) -> str:
    """The engine's pacing status; before the engine first saw the number, derived."""
    if warmup is not None:
        return warmup.pacing_status
    if n.is_released or not n.enabled:
        return PacingStatus.DISABLED
    return PacingStatus.NEW if n.warmup_enabled else PacingStatus.UNKNOWN


def with_reason(text: str, reason: str | None) -> str:
    return f"{text}: {reason}" if reason else f"{text}."


def _pacing_is_not(*statuses: str) -> Q:
    # Numbers the engine has not seen have no row: their derived pacing is never one of
    # these once released and disabled numbers are out (pacing_status above).
    return Q(warmup__isnull=True) | ~Q(warmup__pacing_status__in=statuses)


_FAILED_STATUSES = (PhoneNumberStatus.FAILED_PROVISIONING, PhoneNumberStatus.EXPIRED)
_SUSPENDED = Q(status=PhoneNumberStatus.SUSPENDED) | Q(inventory_state=InventoryState.SUSPENDED)
_FAILED = Q(inventory_state=InventoryState.FAILED) | Q(status__in=_FAILED_STATUSES)

_BASE = (
    Condition(
        "not_released",
        ACTIVE,
        ~Q(inventory_state=InventoryState.RELEASED),
        lambda n, w: not n.is_released,
        lambda n, w: "The number is released.",
    ),
    Condition(
        "enabled",
        ACTIVE,
        Q(enabled=True),
        lambda n, w: n.enabled,
        lambda n, w: "The number is disabled.",
    ),
    Condition(
        "not_suspended",
        ACTIVE,
        ~_SUSPENDED,
        lambda n, w: (
            not (
                n.status == PhoneNumberStatus.SUSPENDED
                or n.inventory_state == InventoryState.SUSPENDED
            )
        ),
        lambda n, w: "The number is suspended.",
    ),
    Condition(
        "not_failed",
        ACTIVE,
        ~_FAILED,
        lambda n, w: (
            not (n.inventory_state == InventoryState.FAILED or n.status in _FAILED_STATUSES)
        ),
        lambda n, w: f"The number is not active at its provider ({n.status}, {n.inventory_state}).",
    ),
    Condition(
        "not_engine_suspended",
        PAUSED,
        _pacing_is_not(PacingStatus.SUSPENDED),
        lambda n, w: pacing_status(n, w) != PacingStatus.SUSPENDED,
        lambda n, w: with_reason("The warmup engine suspended the number", n.health_reason),
        joined=True,
    ),
    Condition(
        "not_engine_disabled",
        PAUSED,
        _pacing_is_not(PacingStatus.DISABLED),
        lambda n, w: pacing_status(n, w) != PacingStatus.DISABLED,
        lambda n, w: "The warmup engine disabled sending from the number.",
        joined=True,
    ),
    Condition(
        "not_blocked",
        PAUSED,
        ~Q(warmup_state=W.BLOCKED),
        lambda n, w: n.warmup_state != W.BLOCKED,
        lambda n, w: with_reason("Warmup is blocked", n.warmup_pause_reason or n.health_reason),
    ),
    Condition(
        "not_paused",
        PAUSED,
        ~Q(warmup_state=W.PAUSED),
        lambda n, w: n.warmup_state != W.PAUSED,
        lambda n, w: with_reason("Warmup is paused", n.warmup_pause_reason or n.health_reason),
    ),
    Condition(
        "not_cooling_down",
        PAUSED,
        _pacing_is_not(PacingStatus.COOLING_DOWN),
        lambda n, w: pacing_status(n, w) != PacingStatus.COOLING_DOWN,
        lambda n, w: with_reason("Warmup is paused", n.warmup_pause_reason or n.health_reason),
        joined=True,
    ),
)

_SMS = (
    Condition(
        "sms_capable",
        CHANNEL,
        Q(capability_sms=True),
        lambda n, w: n.capability_sms,
        lambda n, w: "The number cannot send SMS.",
    ),
    Condition(
        "sms_routed",
        CHANNEL,
        Q(routing_sms_enabled=True),
        lambda n, w: n.routing_sms_enabled,
        lambda n, w: "SMS is not routed for the number (routing.smsEnabled is false).",
    ),
)
_VOICE = (
    Condition(
        "voice_capable",
        CHANNEL,
        Q(capability_voice=True),
        lambda n, w: n.capability_voice,
        lambda n, w: "The number cannot place calls.",
    ),
    Condition(
        "voice_routed",
        CHANNEL,
        Q(routing_voice_enabled=True),
        lambda n, w: n.routing_voice_enabled,
        lambda n, w: "Voice is not routed for the number (routing.voiceEnabled is false).",
    ),
)

# Inventory states of numbers that are not (or not yet) for leads' traffic.
NOT_FOR_LEADS = (
    InventoryState.PENDING_VERIFICATION,
    InventoryState.RESTRICTED,
    InventoryState.WARMUP_ONLY,
    InventoryState.INTERNAL_TEST_ONLY,
)

_LEADS = (
    Condition(
        "provider_active",
        ACTIVE,
        Q(status=PhoneNumberStatus.ACTIVE),
        lambda n, w: n.status == PhoneNumberStatus.ACTIVE,
        lambda n, w: f"The number is not active at its provider (status {n.status}).",
    ),
    Condition(
        "for_leads",
        ACTIVE,
        ~Q(inventory_state__in=NOT_FOR_LEADS)
        & Q(routing_warmup_only=False, routing_internal_test_only=False),
        lambda n, w: (
            n.inventory_state not in NOT_FOR_LEADS
            and not n.routing_warmup_only
            and not n.routing_internal_test_only
        ),
        lambda n, w: f"The number is not for leads' traffic ({_not_for_leads_because(n)}).",
    ),
)
_CAMPAIGN = Condition(
    "ten_dlc_approved",
    CAMPAIGN,
    Q(ten_dlc__campaign_status=TenDlcCampaignStatus.APPROVED),
    lambda n, w: _campaign_status(n) == TenDlcCampaignStatus.APPROVED,
    lambda n, w: (
        "SMS to US numbers needs an approved A2P 10DLC campaign; the number's is "
        f"{_campaign_status(n) or 'not registered'}."
    ),
    joined=True,
)


def _not_for_leads_because(n: Row) -> str:
    if n.inventory_state in NOT_FOR_LEADS:
        return n.inventory_state
    return "routed for warmup only" if n.routing_warmup_only else "routed for internal tests only"


def _campaign_status(n: Row) -> str | None:
    ten_dlc = getattr(n, "ten_dlc", None)  # every number has one; a test's may not
    return ten_dlc.campaign_status if ten_dlc is not None else None


def _channel(channel: str) -> tuple[Condition, ...]:
    return _SMS if channel == capacity.SMS else _VOICE


@cache
def sending_conditions(channel: str) -> tuple[Condition, ...]:
    """What sending on `channel` (capacity.SMS or capacity.VOICE) at all takes, the most
    fundamental first."""
    return (*_BASE, *_channel(channel))


@cache
def lead_conditions(channel: str) -> tuple[Condition, ...]:
    """What sending to a lead on `channel` takes: sending_conditions, and an Active number
    meant for leads' traffic, and for SMS an approved 10DLC campaign."""
    base = (*_BASE[:4], *_LEADS, *_BASE[4:], *_channel(channel))
    return (*base, _CAMPAIGN) if channel == capacity.SMS else base


def blocker(conditions: tuple[Condition, ...], n: Row, warmup: NumberWarmup | None) -> str | None:
    """Why `n` fails `conditions` (the first that fails), or None."""
    for condition in conditions:
        if not condition.holds(n, warmup):
            return condition.refusal(n, warmup)
    return None


def keeps(conditions: tuple[Condition, ...], *, own_columns_only: bool = False) -> Q:
    """The numbers that meet every one of `conditions` (`own_columns_only`: of those
    that read only the number's own columns, a filter that joins nothing)."""
    combined = Q()
    for condition in conditions:
        if not (own_columns_only and condition.joined):
            combined &= condition.keeps
    return combined
