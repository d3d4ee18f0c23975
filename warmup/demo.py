"""Simulated traffic for the demo numbers, so a newcomer sees the engine at work.

DEMO ONLY: it runs when `DEMO_TRAFFIC` is on (`python3 dev.py run` turns it on; beat then
runs "warmup.demo_traffic" every minute), touches only the demo's fictional 555-01XX lines
(phonenumbers_app/demo_data.py), and reports through the same service as
`POST /message-outcomes`, with message ids that say "demo-sim". What a newcomer sees:

- yesterday's traffic, backfilled once, so the first pass of the engine advances the
  warming numbers a day (and holds the ones that "sent" too little);
- a few messages a minute from every warming or Ready demo number, 97% delivered;
- one warming number of Acme Roofing filtered by carriers (a quarter rejected, since
  yesterday) until the engine pauses it, on its first pass; its business uses a demo plan
  that cools down in 10 minutes, after which the number resumes and its traffic is clean:
  its recovery.

Fates are spread evenly rather than drawn (every 4th message of the filtered number
rejected, about 3 in 100 of the others failed): a random draw over the few dozen
messages a demo number sends would now and then fail 2 of 20 and hold a number for a
"delivery rate" that is only noise.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from accounts.models import User
from businesses.models import Business
from phonenumbers_app.demo_data import is_demo_number
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState
from phonenumbers_app.vocabularies import WarmupHealthState as W
from warmup import plans
from warmup.models import BusinessWarmupPlan, DailyStats, NumberWarmup, WarmupPlan
from warmup.selectors import plan_for
from warmup.services.outcomes import outcomes_record
from warmup.services.plans import business_plan_set, warmup_plan_save

DEMO_PLAN = "Demo: cools down in 10 minutes"
FILTERED_BUSINESS = "Acme Roofing"
SENDING_STATES = (W.WARMING, W.HEALTHY, W.NEEDS_ATTENTION, W.READY)
PER_MINUTE = 3
BATCH = 1000
DELIVERED_SHARE = 0.97
REJECTED_SHARE = 0.25


def simulate_traffic(*, now: datetime) -> dict[str, Any]:
    """One minute of demo traffic (and, the first time, yesterday's). Does nothing unless
    DEMO_TRAFFIC is on."""
    if not getattr(settings, "DEMO_TRAFFIC", False):
        return {"skipped": "DEMO_TRAFFIC is off"}
    reporter = User.objects.filter(is_staff=True, is_active=True).order_by("date_joined").first()
    if reporter is None:
        return {"skipped": "no staff user to report as"}
    numbers = _demo_numbers()
    filtered = _filtered_number(numbers)
    rng = random.Random(int(now.timestamp()) // 60)
    items: list[dict[str, Any]] = []
    with_stats = set(
        DailyStats.objects.filter(phone_number__in=numbers).values_list(
            "phone_number_id", flat=True
        )
    )
    for number in numbers:
        bad = number == filtered and not _was_auto_paused(number)
        rejected = REJECTED_SHARE if bad else 0
        if number.pk not in with_stats:
            items += _yesterday(number, now, rng, rejected=rejected)
        # Numbered on from the minute's place in time: the shares hold across minutes.
        start = int(now.timestamp()) // 60 * PER_MINUTE
        items += _messages(number, now, PER_MINUTE, rng, rejected=rejected, start=start)
    accepted = duplicates = refused = 0
    for start in range(0, len(items), BATCH):
        result = outcomes_record(user=reporter, items=items[start : start + BATCH], now=now)
        accepted += result.accepted
        duplicates += result.duplicates
        refused += len(result.refused)
    return {"numbers": len(numbers), "accepted": accepted, "duplicates": duplicates,
            "refused": refused}  # fmt: skip


def _demo_numbers() -> list[PhoneNumber]:
    candidates = PhoneNumber.objects.filter(
        business__isnull=False,
        enabled=True,
        warmup_enabled=True,
        warmup_state__in=SENDING_STATES,
    ).exclude(inventory_state=InventoryState.RELEASED)
    candidates = candidates.select_related("warmup").order_by("number")
    return [n for n in candidates if is_demo_number(n.number)]


def _filtered_number(numbers: list[PhoneNumber]) -> PhoneNumber | None:
    """Acme Roofing's first warming demo number (the one the engine paused, once it has),
    on the fast-cooldown demo plan."""
    business = Business.objects.filter(name=FILTERED_BUSINESS).first()
    if business is None:
        return None
    if not BusinessWarmupPlan.objects.filter(business=business).exists():
        plan = WarmupPlan.objects.filter(name=DEMO_PLAN).first() or warmup_plan_save(
            plan=WarmupPlan(
                name=DEMO_PLAN,
                description="The demo's plan: the standard ramp, but an automatic pause "
                "cools down in 10 minutes, so the demo shows a recovery.",
                cooldown_minutes=10,
            )
        )
        business_plan_set(business=business, plan=plan)
    chosen = {
        number_id
        for number_id, pauses in NumberWarmup.objects.filter(
            phone_number__business=business
        ).values_list("phone_number_id", "auto_pauses")
        if pauses
    }
    for number in numbers:
        if number.business_id != business.pk:
            continue
        if number.pk in chosen or (not chosen and number.warmup_state == W.WARMING):
            return number
    return None


def _was_auto_paused(number: PhoneNumber) -> bool:
    row = NumberWarmup.objects.filter(phone_number=number).values_list("auto_pauses", flat=True)
    return bool(next(iter(row), None))


def _yesterday(
    number: PhoneNumber, now: datetime, rng: random.Random, *, rejected: float
) -> list[dict]:
    """Yesterday's traffic: its allowance on its current day (so it advances), or a
    third of it for every fifth number (so the demo shows a hold too; not the filtered
    number, which must send enough to be judged)."""
    plan = plan_for(number)
    engine = NumberWarmup.objects.filter(phone_number=number).values_list("plan_day", flat=True)
    day = next(iter(engine), None)
    if day is None:  # the engine will take it up where its progress says
        day = plans.adopted_day(plan, number.warmup_state, number.warmup_progress_percent)
    allowance = plans.limits(plan, max(1, day)).sms_day
    idle = int(number.number[-1]) % 5 == 0 and not rejected
    count = allowance // 3 if idle else allowance
    yesterday = now - timedelta(days=1)
    return _messages(number, yesterday, count, rng, rejected=rejected, prefix="demo-sim-y")


def _messages(
    number: PhoneNumber,
    at: datetime,
    count: int,
    rng: random.Random,
    *,
    rejected: float,
    prefix: str = "demo-sim",
    start: int = 0,
) -> list[dict]:
    items = []
    for i in range(count):
        message_id = f"{prefix}-{number.pk.hex[:12]}-{int(at.timestamp())}-{i}"
        occurred = (at - timedelta(seconds=rng.randint(0, 50))).isoformat()
        recipient = f"+1206555{rng.randint(100, 199):04d}"
        base = {
            "messageId": message_id,
            "phoneNumberId": str(number.pk),
            "channel": "sms",
            "direction": "outbound",
            "occurredAt": occurred,
            "recipient": recipient,
        }
        items += [{**base, "outcome": "sent"}, {**base, "outcome": _fate(start + i, rejected)}]
    return items


def _fate(i: int, rejected: float) -> str:
    """The i-th message's fate: `rejected` of them rejected, DELIVERED_SHARE of the rest
    delivered, spread evenly (the share's running total crossing a whole number)."""
    if rejected and _crosses(i, rejected):
        return "carrier_rejected"
    return "failed" if _crosses(i, 1 - DELIVERED_SHARE) else "delivered"


def _crosses(i: int, share: float) -> bool:
    return int((i + 1) * share + 1e-9) > int(i * share + 1e-9)
