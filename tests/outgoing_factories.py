"""Numbers that may send to leads, for the outgoing-number selection's tests."""

from __future__ import annotations

from typing import Any

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState
from tests.factories import PhoneNumberFactory
from warmup.models import WarmupPlan

W = WarmupHealthState


def sender(
    business, number: str | None = None, *, campaign: str = "Approved", **fields: Any
) -> PhoneNumber:
    """An Active number of `business` routed for SMS and calls, with an approved 10DLC
    campaign, healthy and done warming up (so the plan's full limits apply)."""
    values = {
        "business": business,
        "inventory_state": InventoryState.ASSIGNED,
        "status": PhoneNumberStatus.ACTIVE,
        "routing_sms_enabled": True,
        "routing_voice_enabled": True,
        "warmup_enabled": True,
        "warmup_state": W.READY,
        "health_status": W.HEALTHY,
        "warmup_health_score": 95,
        "warmup_progress_percent": 100,
        **fields,
    }
    if number is not None:
        values["number"] = number
    created = PhoneNumberFactory(**values)
    created.ten_dlc.campaign_status = campaign
    created.ten_dlc.save()
    return created


def default_plan_with(**fields: Any) -> WarmupPlan:
    """The default warmup plan, changed (e.g. sms_minute_max=1). A transactional test
    flushes the plan the migration made; it is made again then."""
    plan = WarmupPlan.objects.filter(is_default=True).first()
    if plan is None:
        plan = WarmupPlan(name="Standard (tests)", is_default=True)
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.save()
    return plan
