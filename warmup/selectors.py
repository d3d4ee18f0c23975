"""Reads of the warmup app that matter: which plan applies, a number's stats in a window."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from uuid import UUID

from django.db import router
from django.db.models import Case, Exists, OuterRef, Q, Value, When

from businesses.models import Business
from core.db import compiled
from phonenumbers_app.models import PhoneNumber
from warmup import plans
from warmup.models import (
    BusinessWarmupPlan,
    DailyStats,
    MessageOutcome,
    NumberWarmup,
    WarmupPlan,
)


def default_plan() -> WarmupPlan:
    """The plan marked default (a migration creates one; staff may mark another)."""
    plan = WarmupPlan.objects.filter(is_default=True).first()
    if plan is None:  # every plan unmarked by hand: the migration's plan is still the rule
        plan = WarmupPlan.objects.order_by("name").first() or WarmupPlan(name="Built-in")
    return plan


PLAN_SOURCES = ("number", "business", "default")


def plan_and_source(phone_number: PhoneNumber) -> tuple[WarmupPlan, str]:
    """The number's own plan, else its business's, else the default (one query), and which
    of PLAN_SOURCES it is."""
    own = NumberWarmup.objects.filter(phone_number=phone_number.pk).values("plan")
    business = BusinessWarmupPlan.objects.filter(business=phone_number.business_id).values("plan")
    candidates = list(
        WarmupPlan.objects.filter(Q(pk__in=own) | Q(pk__in=business) | Q(is_default=True))
        .annotate(
            rank=Case(
                When(pk__in=own, then=Value(0)),
                When(pk__in=business, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("rank")[:1]
    )
    if not candidates:
        return default_plan(), "default"
    return candidates[0], PLAN_SOURCES[candidates[0].rank]


class BusinessPlans:
    """plan_and_source's rule for many numbers of one business at once (the outgoing
    selection ranks dozens): the number's own plan, else the business's, else the
    default. One query for the business's and the default plan, compiled once
    (core/db/compiled.py: the ORM's compiling of it cost more than running it), and one
    per distinct plan of a number's own."""

    def __init__(self, business: Business) -> None:
        using = router.db_for_read(WarmupPlan)
        rows = compiled.instances(
            WarmupPlan, _plans_statement(using), {"business": business.pk}, using=using
        )
        self._business = self._default = None
        for plan, (for_business,) in rows:
            if for_business:
                self._business = plan
            if plan.is_default:
                self._default = plan
        self._own: dict = {}

    def plan_of(self, phone_number) -> WarmupPlan:
        """The plan of one of the business's numbers (a PhoneNumber, or a row that reads
        like one, its engine row as `warmup`)."""
        warmup = number_warmup_of(phone_number)
        if warmup is not None and warmup.plan_id is not None:
            if warmup.plan_id not in self._own:
                self._own[warmup.plan_id] = WarmupPlan.objects.get(pk=warmup.plan_id)
            return self._own[warmup.plan_id]
        if self._business is not None:
            return self._business
        if self._default is None:
            self._default = default_plan()
        return self._default


_BUSINESS = UUID("00000000-0000-4000-8000-0000000000b2")


@lru_cache(maxsize=8)
def _plans_statement(using: str) -> compiled.Compiled:
    """The default plan and the business's, marked by `for_business`."""
    chosen = BusinessWarmupPlan.objects.filter(business_id=_BUSINESS, plan=OuterRef("pk"))
    names = [field.attname for field in WarmupPlan._meta.concrete_fields]
    rows = (
        WarmupPlan.objects.filter(Q(is_default=True) | Q(Exists(chosen)))
        .annotate(for_business=Exists(chosen))
        .values_list(*names, "for_business")
    )
    slot = compiled.Slot("business", _BUSINESS, BusinessWarmupPlan._meta.get_field("business"))
    return compiled.compile_union([rows], [slot], using=using)


def plan_for(phone_number: PhoneNumber) -> WarmupPlan:
    """The plan that applies to the number (see plan_and_source)."""
    return plan_and_source(phone_number)[0]


def plan_day_of(phone_number: PhoneNumber, warmup: NumberWarmup | None, plan: WarmupPlan) -> int:
    """The number's plan day: the engine's, or, before the engine has seen the number, the
    day it will take the warmup up at (warmup.plans.adopted_day), so the pages and answers
    agree with the engine's first pass."""
    if warmup is not None:
        return warmup.plan_day
    return plans.adopted_day(plan, phone_number.warmup_state, phone_number.warmup_progress_percent)


# --- The status answer's reads (warmup/status.py) ----------------------------------
# Traffic is read for one owner: rows carry the business that owned the number when the
# traffic happened, so a number moved to another business does not show its previous
# owner's messages. `business_id` None means every owner's (staff, a number in the pool).

RECENT_OUTCOMES_LIMIT = 20
# DailyStats columns the answers sum.
STATS_COLUMNS = (
    "sms_sent",
    "sms_delivered",
    "sms_failed",
    "sms_carrier_rejected",
    "mms_sent",
    "mms_delivered",
    "mms_failed",
    "mms_carrier_rejected",
    "opt_outs",
    "spam_reports",
    "received",
    "recipients",
    "calls_placed",
    "calls_connected",
    "calls_short",
    "calls_invalid_number",
    "calls_failed",
)


def number_warmup_of(phone_number: PhoneNumber) -> NumberWarmup | None:
    """The engine's row of the number (None before the engine first saw it); read with
    the number when it was fetched with select_related("warmup")."""
    try:
        return phone_number.warmup
    except NumberWarmup.DoesNotExist:
        return None


def daily_stats(
    phone_number: PhoneNumber, *, business_id: UUID | None, first_day: date, last_day: date
) -> dict[date, dict[str, int]]:
    """{Eastern day: {column: count}} of STATS_COLUMNS from `first_day` to `last_day`
    (inclusive), days without traffic left out. One query, along the stats key."""
    rows = DailyStats.objects.filter(
        phone_number=phone_number, day__gte=first_day, day__lte=last_day
    )
    if business_id is not None:
        rows = rows.filter(business_id=business_id)
    by_day: dict[date, dict[str, int]] = {}
    for day, *counts in rows.order_by().values_list("day", *STATS_COLUMNS):
        # Several rows a day only when every owner's are read: summed.
        totals = by_day.setdefault(day, dict.fromkeys(STATS_COLUMNS, 0))
        for column, count in zip(STATS_COLUMNS, counts, strict=True):
            totals[column] += count
    return by_day


def recent_outcomes(
    phone_number: PhoneNumber, *, business_id: UUID | None, limit: int = RECENT_OUTCOMES_LIMIT
) -> list[MessageOutcome]:
    """The number's latest reported outcomes, newest first (warmup_outcome_recent_idx)."""
    rows = MessageOutcome.objects.filter(phone_number=phone_number)
    if business_id is not None:
        rows = rows.filter(business_id=business_id)
    return list(rows.order_by("-occurred_at", "-id")[:limit])
