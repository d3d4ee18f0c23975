"""Reads of the warmup app that matter: which plan applies, a number's stats in a window."""

from __future__ import annotations

from uuid import UUID

from phonenumbers_app.models import PhoneNumber
from warmup.models import BusinessWarmupPlan, NumberWarmup, WarmupPlan


def default_plan() -> WarmupPlan:
    """The plan marked default (a migration creates one; staff may mark another)."""
    plan = WarmupPlan.objects.filter(is_default=True).first()
    if plan is None:  # every plan unmarked by hand: the migration's plan is still the rule
        plan = WarmupPlan.objects.order_by("name").first() or WarmupPlan(name="Built-in")
    return plan


def plan_for(phone_number: PhoneNumber) -> WarmupPlan:
    """The number's own plan, else its business's, else the default."""
    own = NumberWarmup.objects.filter(phone_number=phone_number).values_list("plan", flat=True)
    plan_id: UUID | None = next(iter(own), None)
    if plan_id is None and phone_number.business_id is not None:
        plan_id = (
            BusinessWarmupPlan.objects.filter(business_id=phone_number.business_id)
            .values_list("plan", flat=True)
            .first()
        )
    if plan_id is not None:
        return WarmupPlan.objects.get(pk=plan_id)
    return default_plan()
