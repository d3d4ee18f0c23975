"""Realistic phone-number inventory in bulk, for benchmarks and demos.

Used by `manage.py generate_load_data` and by bench/load_inventory.py (a thin wrapper).

This is a bulk loader: it writes rows directly with set-based SQL or bulk_create, not
through the per-row services (phonenumbers_app.services), which would take hours for a
million numbers. It keeps the rules the services and the database keep: E.164 numbers
that `phonenumbers` accepts, unique; Available numbers in the pool (no business),
Assigned and other owned numbers with a business; at most one default number per
business; scores and percents from 0 to 100; one 10DLC and one billing row per number;
and an audit trail whose first event is "created" and whose before → after data, read
in order, ends at the number's stored state (when the trail is long enough to tell the
whole story; a short trail keeps its most important events).

How rows are made
- Every value is a pure function of the row index i and the seed, so a seed gives the
  same data again, on either database.
- A number's kind (inventory state, status, warmup, health, 10DLC, billing, reasons) is
  one of PROFILE_SLOTS=200 profiles. Every block of 200 consecutive numbers (i = 0-199,
  200-399, ...) uses each profile exactly once, in a seeded order, so any load of 200
  numbers or more contains every value of every vocabulary, in the proportions of
  `_GROUPS`.
- Numbers are area code x exchange x line over every US area code the library knows:
  first the fictional 555-0100..0199 lines (100 per area code, so demo-sized loads never
  text anyone), then lines 0000-9999 of real exchanges (400 and up, never 555 or N11).
  Locations come from the library's offline geocoder once per area code and exchange.
- Events come from per-profile templates (title, details, JSON data with ${...}
  placeholders) filled per number.
- Two paths from one specification (the column specs below): on PostgreSQL,
  INSERT ... SELECT from generate_series joined to small temporary tables of profiles,
  templates, exchanges and businesses; elsewhere (SQLite), bulk_create in batches. A
  PostgreSQL test checks that both produce the same rows.
- Generated rows are recognised by their ids (`generated_id`): a fixed 48-bit prefix
  ("10adda7a" + kind) then a serial. `reset` removes only such rows, and refuses when the
  database also holds numbers made otherwise.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from math import gcd
from typing import Any

import phonenumbers
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from businesses.models import Business
from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.numbers import describe_location, normalize_number
from phonenumbers_app.transitions import inventory_state_allowed, status_allowed
from phonenumbers_app.vocabularies import EventType
from phonenumbers_app.vocabularies import InventoryState as S
from phonenumbers_app.vocabularies import PhoneNumberStatus as St
from phonenumbers_app.vocabularies import WarmupHealthState as W

MAX_NUMBERS = 100_000_000
MAX_EVENTS_PER_NUMBER = 50
MAX_BUSINESSES = 1_000_000
BATCH_SIZE = 2_000  # rows per bulk_create round on the non-PostgreSQL path
PROFILE_SLOTS = 200

# 10DLC campaign statuses (the wider Leadping API's vocabulary; the column is free text).
CAMPAIGN_STATUSES = ("NotSubmitted", "Pending", "Approved", "Rejected", "Failed")
NOT_SUBMITTED, PENDING, APPROVED, REJECTED, FAILED = CAMPAIGN_STATUSES

# --- Generated ids ----------------------------------------------------------------
ID_MARKER = 0x10ADDA7A  # "load data": the first 8 hex digits of every generated id
KIND_USER, KIND_BUSINESS, KIND_NUMBER, KIND_EVENT = 0, 1, 2, 3
DEMO_USERNAME = "demo-operator"


def generated_id(kind: int, serial: int) -> uuid.UUID:
    """`10adda7a-KKKK-` then a 80-bit serial: recognisable, unique, in insertion order."""
    return uuid.UUID(int=(((ID_MARKER << 16) | kind) << 80) | serial)


def generated_range(kind: int) -> tuple[uuid.UUID, uuid.UUID]:
    return generated_id(kind, 0), generated_id(kind, (1 << 80) - 1)


def _id_sql(kind: int, serial_sql: str) -> str:
    return f"('{ID_MARKER:08x}{kind:04x}' || lpad(to_hex({serial_sql}), 20, '0'))::uuid"


# --- Time -------------------------------------------------------------------------
# Numbers are created over the first 364 days of a 365-day history ending at `now`, so
# every trail has at least a day to happen in.
DAY_US = 86_400 * 1_000_000
HISTORY_US = 365 * DAY_US
CREATION_US = 364 * DAY_US

# --- Seeded hashing, the same in Python and in SQL (bigint arithmetic, no overflow) ---
PRIME = 2_147_483_647
SALTS = (
    "perm",
    "time",
    "business",
    "name",
    "source",
    "provider",
    "score",
    "progress",
    "preferred",
    "next_action",
)

# --- Word lists (no quotes or backslashes: they go into JSON templates verbatim) -----
LABELS = (
    "Main line", "Sales", "Support", "Appointments", "Billing", "Marketing", "Follow-up",
    "After hours", "Recruiting", "Dispatch", "Reviews", "Reactivation",
)  # fmt: skip
SOURCES = ("web-form", "facebook-lead-ads", "google-ads", "zillow", "referral", "csv-import")
PROVIDERS = ("telnyx", "telnyx", "twilio", "twilio", "bandwidth")
PROVIDER_ID_PREFIX = {"telnyx": "tx_", "twilio": "PN", "bandwidth": "bw_"}
BUSINESS_FIRST = (
    "Acme", "Bright", "Northwind", "Summit", "Blue Ridge", "Harbor", "Cedar", "Golden",
    "Pioneer", "Evergreen", "Lakeside", "Redwood", "Silver Oak", "Keystone", "Prairie",
    "Coastal", "Granite", "Maple", "Riverbend", "Sunrise",
)  # fmt: skip
BUSINESS_SECOND = (
    "Roofing", "Dental", "Realty", "Insurance", "Solar", "Plumbing", "Auto Sales",
    "Law Group", "Mortgage", "Fitness", "HVAC", "Home Care", "Landscaping", "Chiropractic",
    "Pest Control", "Moving", "Med Spa", "Title Co", "Windows and Doors", "Pool Service",
)  # fmt: skip

_REASONS = {
    "attention": (
        "Delivery rate fell to 81% over the last 7 days (target 95%).",
        "Opt-out rate 3.2% over the last 500 messages is above the 2% limit.",
        "Carrier filtering (error 30007) on 6% of messages in the last 24 hours.",
        "Spam-signal reports from T-Mobile in the last 48 hours.",
        "Reply rate 0.3% over 1,000 messages: content may look automated.",
    ),
    "blocked": (
        "Blocked: carriers filter every message (error 30007) since yesterday.",
        "Blocked: 40% of messages failed in the last hour; sending stopped.",
        "Blocked: spam complaints from two carriers in one day.",
    ),
    "pause": (
        "Opt-out rate above 2%: paused for a content review.",
        "Paused by an operator while the campaign's messages are rewritten.",
        "Carrier filtering detected: paused for 48 hours.",
        "Waiting for the 10DLC campaign to be approved.",
        "Daily volume cap reached for this brand.",
    ),
    "blocked_pause": (
        "Warmup stopped: carriers block this number.",
        "Warmup stopped until the failure rate is investigated.",
    ),
    "provisioning": (
        "Order failed: the carrier has no inventory left in this rate center.",
        "Port-in rejected by the losing carrier: the account number on the LOA does not match.",
        "Provisioning timed out after 72 hours; the order was cancelled.",
    ),
    "rejected": (
        "Rejected: sample messages do not match the declared use case.",
        "Rejected: the opt-in flow is not described or cannot be verified.",
        "Rejected: the brand's vetting score is too low for the requested throughput.",
    ),
    "failed": (
        "Failed: the brand is not verified; resubmit after brand vetting.",
        "Failed: T-Mobile NNID assignment returned an error.",
        "Failed: campaign submission timed out at the CSP.",
    ),
}
EXPIRED_REASON = "The provider subscription expired: renew or release the number."
EXPIRED_ERROR = "Subscription lapsed at the provider; the number is released after 30 days."
SUSPENDED_ERROR = "Suspended by the provider after a carrier spam complaint."
SUSPENDED_REASON = "Blocked: the provider suspended the number after a spam complaint."


# ==================================================================================
# Profiles
# ==================================================================================


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
    cycles = dict.fromkeys((*_REASONS, "amount", "channel"), 0)

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
    pause_reason = take(pause, _REASONS[pause]) if pause else None
    failure = None
    if campaign in (REJECTED, FAILED):
        failure = take(campaign.lower(), _REASONS[campaign.lower()])
    health_reason = None
    if reason == "paused":
        health_reason = f"Warmup paused: {pause_reason}"
    elif reason:
        health_reason = extra.get("health_reason") or take(reason, _REASONS[reason])
        if health_reason == "campaign":
            health_reason = (
                f"10DLC campaign {campaign.lower()}: SMS is restricted until it is fixed."
            )
    has_provider, order_status, provider_status = _PROVIDER[status]
    provider_error = None
    if status == St.FAILED_PROVISIONING:
        provider_error = take("provisioning", _REASONS["provisioning"])
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


# ==================================================================================
# Event templates
# ==================================================================================

PLACEHOLDERS = ("number", "name", "pool_name", "business_id", "business_name")
NUMERIC_PLACEHOLDERS = ("p0", "p1", "s0", "s1")  # progress/score before and after
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@dataclass
class _Step:
    type: str
    title: str
    details: str
    data: dict
    actor: bool
    priority: int  # the lowest go first when a trail has fewer events than the story
    late: bool = False  # fillers go before the first late step
    owned: bool = True  # written while the business owned the number (False: in the pool)
    j0: int = 0
    j1: int = 0
    den: int = 1


@dataclass(frozen=True)
class Template:
    """The k-th (1-based) event of every number with profile `pid`; text with ${...}."""

    pid: int
    k: int
    type: str
    title: str
    details: str
    data: str
    actor: bool
    owned: bool  # the event belongs to the business's history (False: the pool's)
    pos: int  # when, in thousandths of the time from the number's creation to now
    j0: int
    j1: int
    den: int


def _updated_title(keys: Iterable[str]) -> str:
    """As services.update titles a change of several fields."""
    names = list(keys)
    if len(names) > 3:
        names = [*names[:3], f"{len(names) - 3} more"]
    return "Updated " + ", ".join(names)


def _status_path(status: str) -> list[tuple[str, str]]:
    steps = {
        St.UNREGISTERED: [],
        St.PROVISIONING: [St.UNREGISTERED],
        St.ACTIVE: [St.UNREGISTERED, St.PROVISIONING],
        St.FAILED_PROVISIONING: [St.UNREGISTERED, St.PROVISIONING],
        St.SUSPENDED: [St.UNREGISTERED, St.PROVISIONING, St.ACTIVE],
        St.EXPIRED: [St.UNREGISTERED, St.PROVISIONING, St.ACTIVE],
    }[status]
    chain = [*steps, status] if steps else []
    return list(pairwise(chain))


def _story(p: Profile, actor: str, user_id: str | None) -> list[_Step]:
    """Every event that brought a number of profile `p` to its state, in order."""
    a = actor
    steps: list[_Step] = []
    if p.leadping_owned:
        name = "${pool_name}" if p.owned else "${name}"
        after = {"number": "${number}", "name": name, "businessId": None, "userId": None}
        after.update(inventoryState=S.AVAILABLE, enabled=True, status=St.UNREGISTERED)
        title, details = (
            "Added to the inventory pool",
            f"{a} added ${{number}} to the pool as Available.",
        )
    else:
        after = {"number": "${number}", "name": "${name}", "businessId": "${business_id}"}
        after.update(
            userId=user_id, inventoryState=S.ASSIGNED, enabled=True, status=St.UNREGISTERED
        )
        title = "Created for ${business_name}"
        details = f"{a} created ${{number}} as Assigned to ${{business_name}}."
    steps.append(_Step(EventType.CREATED, title, details, {"after": after}, True, 100))

    transitions = _status_path(p.status)
    status_details = {
        St.PROVISIONING: ("The provider accepted the order.", 10, False),
        St.ACTIVE: ("The provider activated the number.", 11, False),
        St.FAILED_PROVISIONING: (p.provider_error or "", 60, False),
        St.SUSPENDED: (p.provider_error or "", 60, True),
        St.EXPIRED: (p.provider_error or "", 60, True),
    }

    def status_step(before: str, after: str) -> _Step:
        assert status_allowed(before, after), (before, after)
        details, priority, late = status_details[after]
        data = {"before": {"status": before}, "after": {"status": after}}
        title = f"Status {before} → {after}"
        return _Step(EventType.STATE_CHANGED, title, details, data, False, priority, late)

    steps += [status_step(b, c) for b, c in transitions if not status_details[c][2]]
    if p.leadping_owned:
        for step in steps:  # until a business claims it, its history is the pool's
            step.owned = False
    if p.owned and p.leadping_owned:
        before = {"name": "${pool_name}", "businessId": None}
        before["inventoryState"] = S.AVAILABLE
        after = {"name": "${name}", "businessId": "${business_id}"}
        after["inventoryState"] = S.ASSIGNED
        if user_id is not None:
            before["userId"], after["userId"] = None, user_id
        details = f"{a} assigned ${{number}} to ${{business_name}}."
        data = {"before": before, "after": after}
        steps.append(
            _Step(EventType.ASSIGNED, "Claimed from the inventory pool", details, data, True, 80)
        )
    base = S.ASSIGNED if p.owned else S.AVAILABLE
    if p.inventory_state not in (base, S.RELEASED):
        assert inventory_state_allowed(base, p.inventory_state), (base, p.inventory_state)
        data = {"before": {"inventoryState": base}, "after": {"inventoryState": p.inventory_state}}
        title = f"Inventory state {base} → {p.inventory_state}"
        details = f"{a} changed inventoryState."
        steps.append(_Step(EventType.STATE_CHANGED, title, details, data, True, 70))
    if p.warmup_enabled:
        data = {"before": {"warmupEnabled": False}, "after": {"warmupEnabled": True}}
        steps.append(
            _Step(
                EventType.UPDATED,
                "Updated warmupEnabled",
                f"{a} changed warmupEnabled.",
                data,
                True,
                20,
            )
        )

    # --- late: where the number's health and status ended up ---
    warming = W.WARMING if p.warmup_enabled else W.NOT_STARTED
    health_before = W.HEALTHY if p.warmup_enabled else W.NOT_STARTED
    if p.warmup_enabled and p.warmup_state in (W.HEALTHY, W.READY):
        data = {"before": {"warmupState": W.WARMING}, "after": {"warmupState": p.warmup_state}}
        details = f"Warmup reached {p.warmup_state}."
        steps.append(
            _Step(EventType.UPDATED, "Updated warmupState", details, data, False, 30, True)
        )
    if p.warmup_state == W.PAUSED:
        before = {"warmupState": W.WARMING, "warmupPauseReason": None}
        after = {"warmupState": W.PAUSED, "warmupPauseReason": p.warmup_pause_reason}
        data = {"before": before, "after": after}
        steps.append(
            _Step(
                EventType.WARMUP_PAUSED,
                "Warmup paused",
                p.warmup_pause_reason,
                data,
                True,
                50,
                True,
            )
        )
    health_changed = p.health_status in (W.NEEDS_ATTENTION, W.BLOCKED, W.PAUSED)
    if p.warmup_state in (W.BLOCKED, W.NEEDS_ATTENTION) or health_changed:
        before, after = {}, {}
        if p.warmup_state in (W.BLOCKED, W.NEEDS_ATTENTION):
            before["warmupState"], after["warmupState"] = warming, p.warmup_state
        if p.warmup_state == W.BLOCKED:
            before["warmupPauseReason"], after["warmupPauseReason"] = None, p.warmup_pause_reason
        if health_changed:
            before["healthStatus"], after["healthStatus"] = health_before, p.health_status
            before["healthReason"], after["healthReason"] = None, p.health_reason
        data = {"before": before, "after": after}
        details = p.health_reason or p.warmup_pause_reason or ""
        steps.append(
            _Step(EventType.UPDATED, _updated_title(after), details, data, False, 50, True)
        )
    steps += [status_step(b, c) for b, c in transitions if status_details[c][2]]
    if p.inventory_state == S.RELEASED:
        data = {
            "before": {"inventoryState": base, "enabled": True},
            "after": {"inventoryState": S.RELEASED, "enabled": False},
        }
        details = f"{a} released ${{number}}."
        steps.append(_Step(EventType.RELEASED, "Released", details, data, True, 90, True))
    return steps


def _fillers(p: Profile, count: int, actor: str) -> list[_Step]:
    """Events between the story's beginning and its end when a trail is longer than the
    story: warmup progress for warming numbers, small settings changes for the others."""
    if p.warmup_enabled:
        keys = ("warmupProgressPercent", "warmupHealthScore")
        return [
            _Step(
                EventType.UPDATED,
                _updated_title(keys),
                "Warmup progress ${p1}%, health score ${s1}.",
                {
                    "before": dict(zip(keys, ("${p0}", "${s0}"), strict=True)),
                    "after": dict(zip(keys, ("${p1}", "${s1}"), strict=True)),
                },
                False,
                0,
                j0=f - 1,
                j1=f,
                den=count,
            )
            for f in range(1, count + 1)
        ]

    def toggle(key: str, before: bool, after: bool) -> _Step:
        data = {"before": {key: before}, "after": {key: after}}
        return _Step(EventType.UPDATED, f"Updated {key}", f"{actor} changed {key}.", data, True, 0)

    result = []
    if count % 2:
        result.append(
            toggle("routing.voiceEnabled", not p.routing_voice_enabled, p.routing_voice_enabled)
        )
    pairs = (
        ("capabilities.testing", p.capability_testing),
        ("isApprovedTestDestination", p.is_approved_test_destination),
    )
    for m in range(count // 2):
        key, final = pairs[m % len(pairs)]
        result += [toggle(key, final, not final), toggle(key, not final, final)]
    return result


def _json_template(data: dict) -> str:
    text = json.dumps(data)
    for key in NUMERIC_PLACEHOLDERS:
        text = text.replace(f'"${{{key}}}"', f"${{{key}}}")
    return text


def templates(profile: Profile, k: int, actor: str, user_id: str | None) -> list[Template]:
    """Exactly `k` events for every number of `profile`, "created" first."""
    steps = _story(profile, actor, user_id)
    while len(steps) > k:
        victim = min(range(1, len(steps)), key=lambda idx: (steps[idx].priority, idx))
        del steps[victim]
    at = next((idx for idx, step in enumerate(steps) if step.late), len(steps))
    steps[at:at] = _fillers(profile, k - len(steps), actor)
    assert len(steps) == k and steps[0].type == EventType.CREATED
    return [
        Template(
            pid=profile.pid,
            k=index + 1,
            type=str(step.type),
            title=step.title,
            details=step.details,
            data=_json_template(step.data),
            actor=step.actor,
            owned=step.owned,
            pos=index * 1000 // k,
            j0=step.j0,
            j1=step.j1,
            den=step.den,
        )
        for index, step in enumerate(steps)
    ]


def render(text: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _pg_format(text: str) -> str:
    """The same template for PostgreSQL's format(): ${name} → %N$s."""
    order = (*PLACEHOLDERS, *NUMERIC_PLACEHOLDERS)
    text = text.replace("%", "%%")
    return _PLACEHOLDER.sub(lambda match: f"%{order.index(match.group(1)) + 1}$s", text)


# ==================================================================================
# Numbers: area codes, exchanges, locations
# ==================================================================================

FICTIONAL_LINES = 100  # 555-0100 .. 555-0199
LINES_PER_EXCHANGE = 10_000
_EXCLUDED_EXCHANGES = {555, 950, 958, 959, 976} | {n * 100 + 11 for n in range(2, 10)}


@dataclass(frozen=True)
class Block:
    """The numbers of one area code and exchange."""

    block: int
    area: str
    exchange: str
    location_description: str | None
    location_state: str | None


@lru_cache(maxsize=1)
def area_codes() -> tuple[str, ...]:
    """Every US geographic area code `phonenumbers` accepts and places in a state."""
    result = []
    for npa in range(200, 1000):
        parsed = phonenumbers.parse(f"+1{npa}5550100", None)
        if (
            phonenumbers.is_valid_number(parsed)
            and phonenumbers.region_code_for_number(parsed) == "US"
            and phonenumbers.number_type(parsed)
            == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
            and describe_location(f"+1{npa}5550100").state
        ):
            result.append(str(npa))
    return tuple(result)


@lru_cache(maxsize=4096)
def _exchanges(area: str, count: int) -> tuple[str, ...]:
    """The first `count` exchanges of `area` from 400 up: those the geocoder places in a
    city first (real, assigned exchanges), then the rest."""
    candidates = [x for x in range(400, 1000) if x not in _EXCLUDED_EXCHANGES]
    cities: list[int] = []
    for x in candidates:
        if ", " in (describe_location(f"+1{area}{x}0000").description or ""):
            cities.append(x)
            if len(cities) == count:
                break
    ordered = (cities + [x for x in candidates if x not in cities])[:count]
    if len(ordered) < count:
        raise ValueError(f"area code {area} has only {len(ordered)} usable exchanges")
    return tuple(str(x) for x in ordered)


def blocks_for(count: int) -> list[Block]:
    """The blocks the first `count` numbers use, indexed by block number."""
    areas = area_codes()
    a = len(areas)
    beyond = max(0, count - a * FICTIONAL_LINES)
    tiers = 1 + -(-beyond // (a * LINES_PER_EXCHANGE))
    result = []
    for tier in range(tiers):
        for index, area in enumerate(areas):
            exchange = "555" if tier == 0 else _exchanges(area, tiers - 1)[tier - 1]
            first, last = ("0100", "0199") if tier == 0 else ("0000", "9999")
            for line in (first, last):
                e164 = f"+1{area}{exchange}{line}"
                if normalize_number(e164) != e164:
                    raise ValueError(f"{e164} is not a valid E.164 number")
            location = describe_location(f"+1{area}{exchange}{first}")
            result.append(
                Block(tier * a + index, area, exchange, location.description, location.state)
            )
    return result


# ==================================================================================
# The plan: seeded per-row values, in Python and in SQL
# ==================================================================================


@dataclass
class Result:
    businesses: int
    numbers: int
    ten_dlc: int
    billing: int
    events: int
    seconds: float
    method: str
    seed: int

    @property
    def rows(self) -> int:
        return self.businesses + self.numbers + self.ten_dlc + self.billing + self.events


class ExistingData(Exception):
    """The database holds data the load must not be mixed with."""


@dataclass
class Plan:
    numbers: int
    events_per_number: int
    businesses: int
    seed: int
    now: datetime
    actor_name: str = "Demo Operator"
    user_id: uuid.UUID = field(default_factory=lambda: generated_id(KIND_USER, 1))

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.salts = {
            name: (rng.randrange(1, PRIME), rng.randrange(PRIME), rng.randrange(1 << 30))
            for name in SALTS
        }
        units = [u for u in range(1, PROFILE_SLOTS) if gcd(u, PROFILE_SLOTS) == 1]
        self.perm = units[rng.randrange(len(units))]
        self.start = self.now - timedelta(microseconds=HISTORY_US)
        self.step = CREATION_US // self.numbers
        self.areas = area_codes()
        self.blocks = blocks_for(self.numbers)
        self.profiles = profiles()
        k = self.events_per_number
        self.last_pos = (k - 1) * 1000 // k
        self.templates: dict[int, list[Template]] = {}
        self.business_rows = [self._business(b) for b in range(self.businesses)]

    def use_actor(self, user_id: uuid.UUID, actor_name: str) -> None:
        """The events' actor (baked into the templates' text and data)."""
        self.user_id, self.actor_name = user_id, actor_name
        k = self.events_per_number
        # userId of the events: the numbers' user, never the (staff) actor.
        self.templates = {p.pid: templates(p, k, actor_name, None) for p in self.profiles}

    # --- hashing ---
    def h(self, i: int, salt: str) -> int:
        a, b, c = self.salts[salt]
        x = (i * a + b) % PRIME
        return (x * (x + c)) % PRIME

    def h_sql(self, var: str, salt: str) -> str:
        a, b, c = self.salts[salt]
        x = f"((({var}) * {a} + {b}) % {PRIME})"
        return f"(({x} * ({x} + {c})) % {PRIME})"

    def md5(self, i: int) -> str:
        return hashlib.md5(f"{self.seed}:{i}".encode()).hexdigest()

    # --- businesses ---
    def _business(self, b: int) -> dict[str, Any]:
        n = len(BUSINESS_FIRST) * len(BUSINESS_SECOND)
        first = b % len(BUSINESS_FIRST)
        second = (first + (b // len(BUSINESS_FIRST))) % len(BUSINESS_SECOND)
        name = f"{BUSINESS_FIRST[first]} {BUSINESS_SECOND[second]}"
        if b >= n:
            name += f" {b // n + 1}"
        digest = hashlib.md5(f"{self.seed}:business:{b}".encode()).hexdigest()
        return {
            "idx": b,
            "id": generated_id(KIND_BUSINESS, b),
            "name": name,
            "team_id": f"team_{digest[:8]}",
            "crm_campaign_id": f"cmp_{digest[8:16]}",
            "brand_id": "B" + digest[16:22].upper(),
            "tcr_campaign_id": "C" + digest[22:28].upper(),
            "messaging_profile_id": str(uuid.UUID(digest)),
            "voice_connection_id": str(int(digest[:15], 16)),
            # All businesses exist before the first number of the history.
            "created_at": self.start - timedelta(minutes=self.businesses - b),
        }

    # --- rows ---
    def pid(self, i: int) -> int:
        offset = self.h(i // PROFILE_SLOTS, "perm") % PROFILE_SLOTS
        return (self.perm * (i % PROFILE_SLOTS) + offset) % PROFILE_SLOTS

    def row(self, i: int) -> dict[str, Any]:
        """Everything per row that the column specs read (`r.*` in SQL)."""
        p = self.profiles[self.pid(i)]
        a, fictional = len(self.areas), len(self.areas) * FICTIONAL_LINES
        if i < fictional:
            block, line = i % a, FICTIONAL_LINES + i // a
        else:
            j = i - fictional
            block = (1 + (j // a) // LINES_PER_EXCHANGE) * a + j % a
            line = (j // a) % LINES_PER_EXCHANGE
        blk = self.blocks[block]
        u = self.h(i, "business") % 1_000_000
        bidx = (u * u // 1_000_000) * self.businesses // 1_000_000 if p.owned else None
        label = LABELS[self.h(i, "name") % len(LABELS)]
        created = i * self.step + (self.h(i, "time") * 1_000_003) % self.step
        span = HISTORY_US - created
        last = created + span * self.last_pos // 1000
        provider = PROVIDERS[self.h(i, "provider") % len(PROVIDERS)] if p.has_provider else None
        md5 = self.md5(i)
        return {
            "i": i,
            "pid": p.pid,
            "bidx": bidx,
            "block": block,
            "number": f"+1{blk.area}{blk.exchange}{line:04d}",
            "name": f"{p.name_prefix or label} {blk.area}",
            "pool_name": f"Pool {blk.area}",
            "source": SOURCES[self.h(i, "source") % len(SOURCES)] if p.owned else None,
            "provider": provider,
            "provider_phone_number_id": PROVIDER_ID_PREFIX[provider] + md5[:24]
            if provider
            else None,
            "provider_order_id": "ord_" + md5[8:24] if provider else None,
            "subscription_item_id": "si_" + md5[16:30] if p.owned else None,
            "last_provider_event_id": "evt_" + md5[4:24] if p.submitted else None,
            "preferred": p.may_be_preferred and self.h(i, "preferred") % 20 == 0,
            "created_us": created,
            "span_us": span,
            "last_us": last,
            "modified_us": last if self.events_per_number > 1 else None,
            "synced_us": last + (HISTORY_US - last) // 2 if provider else None,
            "released_us": last if p.inventory_state == S.RELEASED else None,
            "tendlc_us": created + span // 2 if p.submitted else None,
            "next_us": (
                HISTORY_US + (self.h(i, "next_action") * 80) % (2 * DAY_US)
                if p.has_next_action
                else None
            ),
            "score": p.score_lo + self.h(i, "score") % (p.score_hi - p.score_lo + 1),
            "progress": p.progress_lo + self.h(i, "progress") % (p.progress_hi - p.progress_lo + 1),
        }

    def row_sql(self) -> str:
        """SELECT of the same values as `row`, for every i, as table load_row."""
        a, fictional = len(self.areas), len(self.areas) * FICTIONAL_LINES
        n = self.numbers
        j = f"(i - {fictional})"
        u = f"({self.h_sql('s.i', 'business')} % 1000000)"

        def pick(values: tuple[str, ...], salt: str) -> str:
            array = "ARRAY[" + ", ".join(_quote(v) for v in values) + "]"
            return f"({array})[{self.h_sql('s.i', salt)} % {len(values)} + 1]"

        md5 = "md5(" + _quote(f"{self.seed}:") + " || s.i::text)"
        last = f"(t.created_us + t.span_us * {self.last_pos} / 1000)"
        prefixes = " ".join(
            f"WHEN t.prov = {_quote(k)} THEN {_quote(v)}" for k, v in PROVIDER_ID_PREFIX.items()
        )
        modified = "NULL::bigint" if self.events_per_number == 1 else last
        labels, sources, providers = (
            pick(LABELS, "name"),
            pick(SOURCES, "source"),
            pick(PROVIDERS, "provider"),
        )
        released = _quote(S.RELEASED)
        created_i = f"(i * {self.step} + ({self.h_sql('i', 'time')} * 1000003) % {self.step})"
        pid = (
            f"(({self.perm} * (i % {PROFILE_SLOTS}) + "
            f"{self.h_sql(f'i / {PROFILE_SLOTS}', 'perm')} % {PROFILE_SLOTS}) % {PROFILE_SLOTS})"
        )
        return f"""
            SELECT t.*,
                CASE WHEN t.prov IS NOT NULL THEN (CASE {prefixes} END) || substr(t.md5, 1, 24) END
                    AS provider_phone_number_id,
                CASE WHEN t.prov IS NOT NULL THEN 'ord_' || substr(t.md5, 9, 16) END
                    AS provider_order_id,
                CASE WHEN t.owned THEN 'si_' || substr(t.md5, 17, 14) END AS subscription_item_id,
                CASE WHEN t.submitted THEN 'evt_' || substr(t.md5, 5, 20) END
                    AS last_provider_event_id,
                {last} AS last_us,
                {modified} AS modified_us,
                CASE WHEN t.prov IS NOT NULL THEN {last} + ({HISTORY_US} - {last}) / 2 END
                    AS synced_us,
                CASE WHEN t.released THEN {last} END AS released_us,
                CASE WHEN t.submitted THEN t.created_us + t.span_us / 2 END AS tendlc_us
            FROM (
                SELECT s.i, s.pid, s.block,
                    CASE WHEN p.owned THEN ({u} * {u} / 1000000) * {self.businesses} / 1000000 END
                        AS bidx,
                    '+1' || k.area || k.exchange || lpad(s.line::text, 4, '0') AS number,
                    COALESCE(p.name_prefix, {labels}) || ' ' || k.area AS name,
                    'Pool ' || k.area AS pool_name,
                    CASE WHEN p.owned THEN {sources} END AS source,
                    CASE WHEN p.has_provider THEN {providers} END AS prov,
                    {md5} AS md5,
                    p.owned, p.submitted, p.inventory_state = {released} AS released,
                    p.may_be_preferred AND {self.h_sql("s.i", "preferred")} % 20 = 0 AS preferred,
                    s.created_us,
                    {HISTORY_US} - s.created_us AS span_us,
                    CASE WHEN p.has_next_action
                        THEN {HISTORY_US} + ({self.h_sql("s.i", "next_action")} * 80) % {2 * DAY_US}
                    END AS next_us,
                    p.score_lo + {self.h_sql("s.i", "score")}
                        % (p.score_hi - p.score_lo + 1) AS score,
                    p.progress_lo + {self.h_sql("s.i", "progress")}
                        % (p.progress_hi - p.progress_lo + 1) AS progress
                FROM (
                    SELECT i, {pid} AS pid,
                        CASE WHEN i < {fictional} THEN i % {a}
                            ELSE (1 + ({j} / {a}) / {LINES_PER_EXCHANGE}) * {a} + {j} % {a} END
                            AS block,
                        CASE WHEN i < {fictional} THEN {FICTIONAL_LINES} + i / {a}
                            ELSE ({j} / {a}) % {LINES_PER_EXCHANGE} END AS line,
                        {created_i} AS created_us
                    FROM generate_series(0::bigint, {n - 1}::bigint) AS g(i)
                ) s
                JOIN load_profile p ON p.pid = s.pid
                JOIN load_block k ON k.block = s.block
            ) t
        """


def _quote(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return f"TIMESTAMPTZ '{value.isoformat()}'"
    if isinstance(value, uuid.UUID):
        return f"'{value}'::uuid"
    return "'" + str(value).replace("'", "''") + "'"


# ==================================================================================
# Column specs: one definition, read by both paths
# ==================================================================================


@dataclass
class Ctx:
    plan: Plan
    row: dict[str, Any]
    profile: Profile
    business: dict[str, Any] | None
    block: Block


@dataclass(frozen=True)
class Col:
    sql: str
    py: Callable[[Ctx], Any]


def _row(key: str) -> Col:
    return Col(f"r.{key}", lambda c: c.row[key])


def _prof(key: str) -> Col:
    return Col(f"p.{key}", lambda c: getattr(c.profile, key))


def _blk(key: str) -> Col:
    return Col(f"k.{key}", lambda c: getattr(c.block, key))


def _biz(key: str, when: str | None = None) -> Col:
    sql = f"b.{key}" if when is None else f"CASE WHEN p.{when} THEN b.{key} END"
    return Col(
        sql,
        lambda c: (
            c.business[key]
            if c.business is not None and (when is None or getattr(c.profile, when))
            else None
        ),
    )


def _owner_user() -> Col:
    # The generated actor is staff, and a staff member is never the user a number is
    # for (services.ownership.owner_user): generated numbers have no user.
    return Col("NULL::uuid", lambda c: None)


def _time(key: str) -> Col:
    return Col(
        "{start} + r." + key + " * INTERVAL '1 microsecond'",
        lambda c: None if c.row[key] is None else c.plan.start + timedelta(microseconds=c.row[key]),
    )


def _const(value: Any) -> Col:
    return Col(_quote(value), lambda c: value)


NUMBER_COLUMNS: dict[str, Col] = {
    "id": Col(_id_sql(KIND_NUMBER, "r.i"), lambda c: generated_id(KIND_NUMBER, c.row["i"])),
    "created_at": _time("created_us"),
    "modified_at": _time("modified_us"),
    "number": _row("number"),
    "name": _row("name"),
    "business_id": _biz("id"),
    "user_id": _owner_user(),
    "team_id": _biz("team_id"),
    "campaign_id": _biz("crm_campaign_id"),
    "source_id": _row("source"),
    "leadping_owned": _prof("leadping_owned"),
    "provider": Col("r.prov", lambda c: c.row["provider"]),
    "provider_phone_number_id": _row("provider_phone_number_id"),
    "provider_order_id": _row("provider_order_id"),
    "provider_order_status": _prof("provider_order_status"),
    "provider_status": _prof("provider_status"),
    "provider_error": _prof("provider_error"),
    "provider_synced_at": _time("synced_us"),
    "provider_released_at": _time("released_us"),
    "inventory_state": _prof("inventory_state"),
    "status": _prof("status"),
    "enabled": _prof("enabled"),
    "capability_sms": _prof("capability_sms"),
    "capability_voice": _prof("capability_voice"),
    "capability_warmup": _prof("capability_warmup"),
    "capability_testing": _prof("capability_testing"),
    "routing_sms_enabled": _prof("routing_sms_enabled"),
    "routing_voice_enabled": _prof("routing_voice_enabled"),
    "routing_warmup_only": _prof("routing_warmup_only"),
    "routing_internal_test_only": _prof("routing_internal_test_only"),
    "routing_messaging_profile_id": _biz("messaging_profile_id", "routing_sms_enabled"),
    "routing_voice_connection_id": _biz("voice_connection_id", "routing_voice_enabled"),
    "is_preferred": _row("preferred"),
    "is_default": _const(False),  # set afterwards: the first eligible number of a business
    "is_internal_pool": _prof("is_internal_pool"),
    "is_approved_test_destination": _prof("is_approved_test_destination"),
    "is_messaging_program_approved": _prof("is_messaging_program_approved"),
    "location_description": _blk("location_description"),
    "location_state": _blk("location_state"),
    "location_country_code": _const("US"),
    "warmup_enabled": _prof("warmup_enabled"),
    "warmup_state": _prof("warmup_state"),
    "health_status": _prof("health_status"),
    "warmup_health_score": _row("score"),
    "warmup_progress_percent": _row("progress"),
    "warmup_next_action_at": _time("next_us"),
    "warmup_pause_reason": _prof("warmup_pause_reason"),
    "health_reason": _prof("health_reason"),
    "version": Col("{version}", lambda c: c.plan.events_per_number),
}

TEN_DLC_COLUMNS: dict[str, Col] = {
    "phone_number_id": NUMBER_COLUMNS["id"],
    "brand_id": _biz("brand_id", "submitted"),
    "campaign_id": _biz("tcr_campaign_id", "submitted"),
    "campaign_status": _prof("campaign_status"),
    "assignment_status": _prof("assignment_status"),
    "messaging_profile_id": _biz("messaging_profile_id", "submitted"),
    "status_updated_at": _time("tendlc_us"),
    "failure_reason": _prof("failure_reason"),
    "last_provider_event_id": _row("last_provider_event_id"),
}

BILLING_COLUMNS: dict[str, Col] = {
    "phone_number_id": NUMBER_COLUMNS["id"],
    "business_id": _biz("id"),
    "user_id": _owner_user(),
    "subscription_item_id": _row("subscription_item_id"),
    "monthly_amount": _prof("monthly_amount"),
    "channel": _prof("channel"),
}


def _check_specs() -> None:
    """Every concrete column of each model has exactly one spec."""
    for model, columns in (
        (PhoneNumber, NUMBER_COLUMNS),
        (TenDlc, TEN_DLC_COLUMNS),
        (Billing, BILLING_COLUMNS),
    ):
        names = {f.attname for f in model._meta.concrete_fields}
        assert names == set(columns), (model.__name__, names ^ set(columns))


def _event_values(plan: Plan, ctx: Ctx, t: Template) -> dict[str, Any]:
    row, business = ctx.row, ctx.business
    values = {
        "number": row["number"],
        "name": row["name"],
        "pool_name": row["pool_name"],
        "business_id": str(business["id"]) if business else "",
        "business_name": business["name"] if business else "",
        "p0": str(row["progress"] * t.j0 // t.den),
        "p1": str(row["progress"] * t.j1 // t.den),
        "s0": str(row["score"] * t.j0 // t.den),
        "s1": str(row["score"] * t.j1 // t.den),
    }
    at = row["created_us"] + row["span_us"] * t.pos // 1000
    k = plan.events_per_number
    return {
        "id": generated_id(KIND_EVENT, row["i"] * k + t.k - 1),
        "phone_number_id": generated_id(KIND_NUMBER, row["i"]),
        "type": t.type,
        "title": render(t.title, values),
        "details": render(t.details, values),
        "actor_id": plan.user_id if t.actor else None,
        "actor_name": plan.actor_name if t.actor else None,
        "actor_is_staff": t.actor,  # the generated actor is staff
        "business_id": business["id"] if business and t.owned else None,
        "data": json.loads(render(t.data, values)),
        "created_at": plan.start + timedelta(microseconds=at),
    }


# ==================================================================================
# Loading
# ==================================================================================


def generate(
    *,
    numbers: int,
    events_per_number: int = 5,
    businesses: int | None = None,
    seed: int | None = None,
    reset: bool = False,
    reset_all: bool = False,
    method: str = "auto",
    now: datetime | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> Result:
    """Load `numbers` numbers with their 10DLC, billing and `events_per_number` events.

    - `businesses`: default about numbers / 1000, at least 1.
    - `reset`: first delete what an earlier run generated. Without it, any phone number
      (or generated business) in the database raises ExistingData; with it, numbers
      made otherwise still do: generated data is never mixed with real data.
    - `reset_all`: first delete every phone number with its rows, generated or not (and
      the generated businesses), as the benchmarks do on their own database.
    - `method`: "sql" (PostgreSQL, set-based), "bulk" (bulk_create, any database) or
      "auto" (sql on PostgreSQL).
    The deletion and the whole load are one transaction: a failure changes nothing.
    """
    if not 1 <= numbers <= MAX_NUMBERS:
        raise ValueError(f"numbers must be from 1 to {MAX_NUMBERS:,}")
    if not 1 <= events_per_number <= MAX_EVENTS_PER_NUMBER:
        raise ValueError(f"events per number must be from 1 to {MAX_EVENTS_PER_NUMBER}")
    if businesses is None:
        businesses = max(1, round(numbers / 1000))
    if not 1 <= businesses <= MAX_BUSINESSES:
        raise ValueError(f"businesses must be from 1 to {MAX_BUSINESSES:,}")
    postgres = connection.vendor == "postgresql"
    if method == "auto":
        method = "sql" if postgres else "bulk"
    if method == "sql" and not postgres:
        raise ValueError("the set-based SQL method needs PostgreSQL; use bulk")
    if method not in ("sql", "bulk"):
        raise ValueError(f"unknown method {method!r}")
    if seed is None:
        seed = random.SystemRandom().randrange(1 << 31)
    _check_specs()

    started = time.perf_counter()
    with transaction.atomic():
        _check_existing(reset=reset or reset_all, everything=reset_all, log=log)
        plan = _phase(
            log,
            "plan (area codes, exchanges, profiles)",
            None,
            lambda: Plan(
                numbers=numbers,
                events_per_number=events_per_number,
                businesses=businesses,
                seed=seed,
                now=now or timezone.now(),
            ),
        )
        user = _demo_user(plan)
        plan.use_actor(user.pk, user.display_name)
        _phase(log, "businesses", businesses, lambda: _insert_businesses(plan))
        if method == "sql":
            _load_sql(plan, log)
        else:
            _load_bulk(plan, log)
        committing = time.perf_counter()
    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: checked at COMMIT.
    log(f"  commit (foreign-key checks): in {time.perf_counter() - committing:.1f} s")
    if postgres:
        tables = [Business, PhoneNumber, TenDlc, Billing, PhoneNumberEvent]
        _phase(log, "ANALYZE", None, lambda: _analyze(tables))
    return Result(
        businesses=businesses,
        numbers=numbers,
        ten_dlc=numbers,
        billing=numbers,
        events=numbers * events_per_number,
        seconds=time.perf_counter() - started,
        method=method,
        seed=seed,
    )


def _phase(log: Callable[[str], None], label: str, rows: int | None, work: Callable[[], Any]):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    count = f"{rows:,} rows " if rows is not None else ""
    log(f"  {label}: {count}in {seconds:.1f} s")
    return result


def _check_existing(*, reset: bool, everything: bool, log: Callable[[str], None]) -> None:
    total = PhoneNumber.objects.count()
    generated = PhoneNumber.objects.filter(pk__range=generated_range(KIND_NUMBER)).count()
    generated_businesses = Business.objects.filter(pk__range=generated_range(KIND_BUSINESS))
    if not reset:
        if total:
            raise ExistingData(
                f"The database already holds {total:,} phone numbers "
                f"({generated:,} of them from an earlier generate_load_data run); refusing to "
                "add generated data to them. Pass --reset to replace an earlier generated "
                "load, or use an empty database."
            )
        if generated_businesses.exists():
            raise ExistingData(
                "The database holds businesses of an earlier generate_load_data run; pass "
                "--reset to replace them."
            )
        return
    if total > generated and not everything:
        raise ExistingData(
            f"--reset replaces only what generate_load_data made, but {total - generated:,} "
            f"of the {total:,} phone numbers in the database were made otherwise; refusing to "
            "mix generated data with them. Use an empty database."
        )
    started = time.perf_counter()
    _delete_inventory()
    businesses, _ = generated_businesses.delete()
    if total or businesses:
        log(
            f"  reset: {total:,} numbers with their rows, and the generated "
            f"businesses, deleted in {time.perf_counter() - started:.1f} s"
        )


def _delete_inventory() -> None:
    """Delete every number, 10DLC, billing row and event (all generated, unless reset_all).

    TRUNCATE on PostgreSQL unless another model refers to these tables, DELETE otherwise
    (events first: they are append-only for the ORM, and PROTECT their number).
    """
    models = [PhoneNumberEvent, TenDlc, Billing, PhoneNumber]
    referring = {
        rel.related_model for model in models for rel in model._meta.related_objects
    } - set(models)
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not referring:
            try:
                with transaction.atomic():
                    cursor.execute(f"TRUNCATE {', '.join(tables)}")
                return
            except OperationalError:
                # Rows written earlier in this same transaction still have deferred
                # foreign-key checks pending (a load and a reset in one test, say).
                pass
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _demo_user(plan: Plan):
    """The actor of generated events (a staff user without a usable password)."""
    user_model = get_user_model()
    user = user_model.objects.filter(pk=plan.user_id).first()
    if user is None:
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
    if user is None:
        user = user_model(
            id=plan.user_id,
            username=DEMO_USERNAME,
            first_name="Demo",
            last_name="Operator",
            is_staff=True,
        )
        user.set_unusable_password()
        user.save()
    return user


def _insert_businesses(plan: Plan) -> None:
    Business.objects.bulk_create(
        [
            Business(id=b["id"], name=b["name"], created_at=b["created_at"])
            for b in plan.business_rows
        ],
        batch_size=BATCH_SIZE,
    )


def _analyze(models: list) -> None:
    with connection.cursor() as cursor:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        cursor.execute(f"ANALYZE {tables}")


# --- bulk_create path ---------------------------------------------------------------


def _load_bulk(plan: Plan, log: Callable[[str], None]) -> None:
    started = time.perf_counter()
    defaults: set[int] = set()
    report_every = max(BATCH_SIZE, plan.numbers // 10)
    for first in range(0, plan.numbers, BATCH_SIZE):
        numbers, ten_dlc, billing, events = [], [], [], []
        for i in range(first, min(plan.numbers, first + BATCH_SIZE)):
            row = plan.row(i)
            profile = plan.profiles[row["pid"]]
            business = plan.business_rows[row["bidx"]] if row["bidx"] is not None else None
            ctx = Ctx(plan, row, profile, business, plan.blocks[row["block"]])
            values = {name: col.py(ctx) for name, col in NUMBER_COLUMNS.items()}
            if profile.may_be_default and row["bidx"] not in defaults:
                defaults.add(row["bidx"])
                values["is_default"] = True
            numbers.append(PhoneNumber(**values))
            ten_dlc.append(TenDlc(**{n: c.py(ctx) for n, c in TEN_DLC_COLUMNS.items()}))
            billing.append(Billing(**{n: c.py(ctx) for n, c in BILLING_COLUMNS.items()}))
            events += [
                PhoneNumberEvent(**_event_values(plan, ctx, t)) for t in plan.templates[profile.pid]
            ]
        PhoneNumber.objects.bulk_create(numbers, batch_size=BATCH_SIZE)
        TenDlc.objects.bulk_create(ten_dlc, batch_size=BATCH_SIZE)
        Billing.objects.bulk_create(billing, batch_size=BATCH_SIZE)
        PhoneNumberEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        done = first + len(numbers)
        if done % report_every < BATCH_SIZE or done == plan.numbers:
            log(
                f"  numbers with 10DLC, billing and events: {done:,} of {plan.numbers:,} "
                f"in {time.perf_counter() - started:.1f} s"
            )


# --- PostgreSQL set-based path --------------------------------------------------------

_PG_TYPES = {"bool": "boolean", "int": "bigint", "str": "text", "Decimal": "numeric"}
BUSINESS_COLUMNS = (
    "idx", "id", "name", "team_id", "crm_campaign_id", "brand_id", "tcr_campaign_id",
    "messaging_profile_id", "voice_connection_id",
)  # fmt: skip
# Template text goes to PostgreSQL as format() strings.
_TEMPLATE_TEXT = ("title", "details", "data")

_FROM_ROWS = """
    FROM load_row r
    JOIN load_profile p ON p.pid = r.pid
    JOIN load_block k ON k.block = r.block
    LEFT JOIN load_business b ON b.idx = r.bidx
"""


def _temp_table(cursor, name: str, columns: dict[str, str], rows: Iterable[tuple]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    definition = ", ".join(f"{column} {kind}" for column, kind in columns.items())
    cursor.execute(f"CREATE TEMPORARY TABLE {name} ({definition}) ON COMMIT DROP")
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {name} VALUES ({marks})", list(rows))
    cursor.execute(f"ANALYZE {name}")


def _dataclass_table(cursor, name: str, kind: type, items: Iterable, convert=None) -> None:
    """A temporary table with one column per field of dataclass `kind`."""
    columns = {f.name: _PG_TYPES[str(f.type).split(" ")[0]] for f in fields(kind)}
    convert = convert or {}
    rows = (tuple(convert.get(c, lambda v: v)(getattr(item, c)) for c in columns) for item in items)
    _temp_table(cursor, name, columns, rows)


def _create_plan_tables(cursor, plan: Plan) -> None:
    _dataclass_table(cursor, "load_profile", Profile, plan.profiles)
    _dataclass_table(cursor, "load_block", Block, plan.blocks)
    templates = (t for ts in plan.templates.values() for t in ts)
    _dataclass_table(
        cursor, "load_template", Template, templates, dict.fromkeys(_TEMPLATE_TEXT, _pg_format)
    )
    columns = {
        c: "uuid" if c == "id" else "bigint" if c == "idx" else "text" for c in BUSINESS_COLUMNS
    }
    rows = (tuple(b[c] for c in BUSINESS_COLUMNS) for b in plan.business_rows)
    _temp_table(cursor, "load_business", columns, rows)
    cursor.execute("DROP TABLE IF EXISTS load_row")
    cursor.execute(f"CREATE TEMPORARY TABLE load_row ON COMMIT DROP AS {plan.row_sql()}")
    cursor.execute("ANALYZE load_row")


def _insert_sql(model, columns: dict[str, str], source: str) -> str:
    """INSERT INTO `model` (columns) SELECT expressions `source`."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    values = ", ".join(columns.values())
    return f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {values} {source}"


def _specs_sql(columns: dict[str, Col], plan: Plan) -> dict[str, str]:
    return {
        name: col.sql.replace("{start}", _quote(plan.start))
        .replace("{user}", _quote(plan.user_id))
        .replace("{version}", str(plan.events_per_number))
        for name, col in columns.items()
    }


def _event_columns_sql(plan: Plan) -> dict[str, str]:
    """Events: `load_row r` x `load_template t`, the same values as _event_values."""
    args = ", ".join(
        [
            "r.number", "r.name", "r.pool_name", "COALESCE(b.id::text, '')",
            "COALESCE(b.name, '')",
            "(r.progress * t.j0 / t.den)::text", "(r.progress * t.j1 / t.den)::text",
            "(r.score * t.j0 / t.den)::text", "(r.score * t.j1 / t.den)::text",
        ]
    )  # fmt: skip
    at = "(r.created_us + r.span_us * t.pos / 1000)"
    return {
        "id": _id_sql(KIND_EVENT, f"r.i * {plan.events_per_number} + t.k - 1"),
        "phone_number_id": _id_sql(KIND_NUMBER, "r.i"),
        "type": "t.type",
        "title": f"format(t.title, {args})",
        "details": f"format(t.details, {args})",
        "actor_id": f"CASE WHEN t.actor THEN {_quote(plan.user_id)} END",
        "actor_name": f"CASE WHEN t.actor THEN {_quote(plan.actor_name)} END",
        "actor_is_staff": "t.actor",
        "business_id": "CASE WHEN t.owned THEN b.id END",
        "data": f"format(t.data, {args})::jsonb",
        "created_at": f"{_quote(plan.start)} + {at} * INTERVAL '1 microsecond'",
    }


def _load_sql(plan: Plan, log: Callable[[str], None]) -> None:
    n, k = plan.numbers, plan.events_per_number
    numbers_table = connection.ops.quote_name(PhoneNumber._meta.db_table)
    # The first number of each business that may be its default (lowest i = oldest).
    defaults = (
        f"UPDATE {numbers_table} SET is_default = TRUE WHERE id IN ("
        f"SELECT DISTINCT ON (r.bidx) {_id_sql(KIND_NUMBER, 'r.i')} FROM load_row r "
        "JOIN load_profile p ON p.pid = r.pid WHERE p.may_be_default ORDER BY r.bidx, r.i)"
    )
    events_from = (
        "FROM load_row r JOIN load_template t ON t.pid = r.pid "
        "LEFT JOIN load_business b ON b.idx = r.bidx"
    )
    steps = [
        (
            "phone numbers",
            n,
            _insert_sql(PhoneNumber, _specs_sql(NUMBER_COLUMNS, plan), _FROM_ROWS),
        ),
        ("default numbers", None, defaults),
        ("10DLC", n, _insert_sql(TenDlc, _specs_sql(TEN_DLC_COLUMNS, plan), _FROM_ROWS)),
        ("billing", n, _insert_sql(Billing, _specs_sql(BILLING_COLUMNS, plan), _FROM_ROWS)),
        ("events", n * k, _insert_sql(PhoneNumberEvent, _event_columns_sql(plan), events_from)),
    ]
    with connection.cursor() as cursor:
        _phase(log, "row plan (temporary tables)", n, lambda: _create_plan_tables(cursor, plan))
        for label, rows, sql in steps:
            _phase(log, label, rows, lambda sql=sql: cursor.execute(sql))
        for name in ("load_row", "load_template", "load_business", "load_block", "load_profile"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
