"""A demo inventory built through the domain services, for `manage.py seed_demo`.

A few hundred numbers over a few businesses, in every inventory state, status, warmup
and health state and 10DLC campaign status, with billing and a history per number. Each
number is made the way an operator would make it: created (phone_number_create), set up
and moved along the transition table one step at a time (phone_number_update, one event
per step), then paused or released where its kind says so (the warmup and release
services). So the demo keeps every rule the services keep, and its events are the ones
the product writes.

The bulk generator for benchmarks (bench/load_data) writes rows directly instead, for
speed at a million rows; the app never imports it.

Numbers are 555-01XX lines, reserved for fiction in the NANP: demo data never texts anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from businesses.models import Business
from businesses.services import business_create
from phonenumbers_app import services
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState as S
from phonenumbers_app.vocabularies import PhoneNumberStatus as St
from phonenumbers_app.vocabularies import TenDlcCampaignStatus as C
from phonenumbers_app.vocabularies import WarmupHealthState as W

BUSINESS_NAMES = (
    "Acme Roofing",
    "Bright Dental",
    "Northwind Realty",
    "Harbor Plumbing",
    "Summit Solar",
    "Maple Law Group",
    "Cedar Auto Repair",
    "Blue Sky Insurance",
)
# US area codes whose 555-0100..0199 lines the phonenumbers library accepts, and none
# that examples/phone-numbers.csv uses (201, 202, 212, 415, 512): that file imports on
# top of the demo.
AREA_CODES = ("206", "213", "305", "312", "617", "702", "720", "808")
LINES_PER_AREA_CODE = 100  # 555-0100 .. 555-0199
LABELS = ("Main line", "Sales", "Support", "Follow-up", "After hours", "Referrals", "Outbound")
SOURCES = ("web-form", "facebook-lead-ads", "google-ads", "zillow", "referral")


@dataclass(frozen=True)
class Kind:
    """What one number of the demo looks like, and the steps that make it so."""

    weight: int  # how many of every CYCLE consecutive numbers are of this kind
    owned: bool  # belongs to a business (else pool stock)
    state: str  # inventory state reached by the update
    statuses: tuple[str, ...] = ()  # status steps from Unregistered, one event each
    warmup: dict[str, Any] = field(default_factory=dict)  # warmup and health fields
    extra: dict[str, Any] = field(default_factory=dict)  # other fields of the update
    campaign: str | None = None  # 10DLC campaign status
    billed: bool = False
    pause: str | None = None  # a warmup pause reason
    release: bool = False


def _warmup(state: str, health: str, score: int, progress: int, **more: Any) -> dict[str, Any]:
    return {
        "warmup_enabled": state != W.NOT_STARTED,
        "warmup_state": state,
        "health_status": health,
        "warmup_health_score": score,
        "warmup_progress_percent": progress,
        **more,
    }


# Mostly ready, active, healthy numbers; every value of every vocabulary at least once
# in each cycle.
KINDS: tuple[Kind, ...] = (
    Kind(
        8,
        True,
        S.READY_FOR_SMS,
        (St.ACTIVE,),
        _warmup(W.READY, W.READY, 96, 100),
        {"routing_sms_enabled": True, "routing_voice_enabled": True},
        C.APPROVED,
        billed=True,
    ),
    Kind(
        5,
        True,
        S.ASSIGNED,
        (St.ACTIVE,),
        _warmup(W.WARMING, W.HEALTHY, 72, 45, warmup_next_action_at=True),
        {"routing_sms_enabled": True},
        C.PENDING,
        billed=True,
    ),
    Kind(
        2,
        True,
        S.READY_FOR_VOICE,
        (St.ACTIVE,),
        _warmup(W.HEALTHY, W.HEALTHY, 88, 100),
        {"routing_voice_enabled": True, "capability_sms": False},
        C.NOT_SUBMITTED,
        billed=True,
    ),
    Kind(2, True, S.PENDING_VERIFICATION, (St.PROVISIONING,), campaign=C.PENDING),
    Kind(4, False, S.AVAILABLE, (St.PROVISIONING, St.ACTIVE)),
    Kind(1, False, S.AVAILABLE, (), extra={"capability_voice": False}),
    Kind(
        1,
        True,
        S.RESTRICTED,
        (St.ACTIVE,),
        _warmup(
            W.NEEDS_ATTENTION,
            W.NEEDS_ATTENTION,
            41,
            60,
            health_reason="Carriers are filtering part of the traffic: lower the daily volume.",
        ),
        campaign=C.REJECTED,
    ),
    Kind(
        1,
        True,
        S.SUSPENDED,
        (St.ACTIVE, St.SUSPENDED),
        _warmup(
            W.BLOCKED,
            W.BLOCKED,
            8,
            30,
            health_reason="Blocked: the provider suspended the number after a spam complaint.",
        ),
        campaign=C.FAILED,
    ),
    Kind(1, False, S.FAILED, (St.FAILED_PROVISIONING,)),
    Kind(
        1,
        True,
        S.WARMUP_ONLY,
        (St.ACTIVE,),
        _warmup(W.WARMING, W.WARMING, 55, 20, warmup_next_action_at=True),
        {"routing_warmup_only": True},
        C.PENDING,
    ),
    Kind(
        1,
        False,
        S.INTERNAL_TEST_ONLY,
        (St.ACTIVE,),
        extra={"capability_testing": True, "routing_internal_test_only": True},
    ),
    Kind(
        1,
        True,
        S.ASSIGNED,
        (St.ACTIVE,),
        _warmup(W.WARMING, W.PAUSED, 64, 35),
        campaign=C.APPROVED,
        billed=True,
        pause="Paused while the business rewrites its opt-in messages.",
    ),
    Kind(1, True, S.ASSIGNED, (St.ACTIVE, St.EXPIRED), billed=True, release=True),
    Kind(1, True, S.READY_FOR_SMS, (St.ACTIVE,), campaign=C.APPROVED, release=True),
)
CYCLE = sum(kind.weight for kind in KINDS)  # 30
DEMO_NUMBERS = 8 * CYCLE  # 240: every kind 8 times or more, a page of each state
MAX_DEMO_NUMBERS = len(AREA_CODES) * LINES_PER_AREA_CODE
SLOTS = tuple(kind for kind in KINDS for _ in range(kind.weight))


def is_demo_number(number: str) -> bool:
    """Whether `number` is one of the demo's fictional +1 AAA 555-01XX lines."""
    return len(number) == 12 and number.startswith("+1") and number[5:10] == "55501"


def demo_number(i: int) -> str:
    area = AREA_CODES[i // LINES_PER_AREA_CODE]
    return f"+1{area}55501{i % LINES_PER_AREA_CODE:02d}"


def demo_businesses(*, acting_user: User) -> list[Business]:
    """The demo's businesses, created once (a reload after the numbers were deleted reuses
    them)."""
    existing = {b.name: b for b in Business.objects.filter(name__in=BUSINESS_NAMES)}
    return [
        existing.get(name) or business_create(name=name, acting_user=acting_user)
        for name in BUSINESS_NAMES
    ]


def load_demo(*, acting_user: User, numbers: int = DEMO_NUMBERS) -> int:
    """Build `numbers` demo numbers through the services, as `acting_user` (staff);
    how many were made."""
    if not 1 <= numbers <= MAX_DEMO_NUMBERS:
        raise ValueError(f"from 1 to {MAX_DEMO_NUMBERS} demo numbers")
    businesses = demo_businesses(acting_user=acting_user)
    with_default: set = set()
    for i in range(numbers):
        kind = SLOTS[i % CYCLE]
        business = businesses[i % len(businesses)] if kind.owned else None
        phone_number = services.phone_number_create(
            acting_user=acting_user,
            name=f"{LABELS[i % len(LABELS)]} {i + 1}" if business else demo_number(i),
            number=demo_number(i),
            business=business,
        )
        _set_up(phone_number, kind, i, business, with_default, acting_user)
    return numbers


def _set_up(
    phone_number: PhoneNumber,
    kind: Kind,
    i: int,
    business: Business | None,
    with_default: set,
    acting_user: User,
) -> None:
    def update(**kwargs: Any) -> None:
        services.phone_number_update(phone_number=phone_number, acting_user=acting_user, **kwargs)

    for step, status in enumerate(kind.statuses):
        # The first step also moves the inventory state, as provisioning does.
        update(fields={"status": status, **({"inventory_state": kind.state} if not step else {})})
    fields: dict[str, Any] = {"inventory_state": kind.state, **kind.extra, **kind.warmup}
    if fields.pop("warmup_next_action_at", False):
        fields["warmup_next_action_at"] = timezone.now() + timedelta(hours=1 + i % 47)
    if business is not None:
        fields["source_id"] = SOURCES[i % len(SOURCES)]
        fields["is_preferred"] = i % 7 == 0
        if kind.state == S.READY_FOR_SMS and business.pk not in with_default:
            fields["is_default"] = True
            with_default.add(business.pk)
    ten_dlc = _ten_dlc(kind.campaign, i) if kind.campaign and business else None
    billing = (
        {
            "subscription_item_id": f"si_demo{i:05d}",
            "monthly_amount": Decimal(("1.15", "1.50", "2.00")[i % 3]),
            "channel": ("stripe", "invoice")[i % 2],
        }
        if kind.billed and business
        else None
    )
    update(fields=fields, ten_dlc=ten_dlc, billing=billing)
    if kind.pause:
        services.phone_number_warmup_pause(
            phone_number=phone_number, acting_user=acting_user, reason=kind.pause
        )
    if kind.release:
        services.phone_number_release(phone_number=phone_number, acting_user=acting_user)


def _ten_dlc(campaign: str, i: int) -> dict[str, Any]:
    failed = campaign in (C.REJECTED, C.FAILED)
    return {
        "brand_id": f"B{i:06d}",
        "campaign_id": f"C{i:06d}",
        "campaign_status": campaign,
        "assignment_status": "Assigned" if campaign == C.APPROVED else "Pending",
        "status_updated_at": timezone.now(),
        "failure_reason": "The sample messages do not match the use case." if failed else None,
    }
