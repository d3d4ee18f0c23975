"""Writing warmup plans, and which plan a business or a number uses.

Staff edit plans in the admin; the admin only calls these. One plan is the default:
marking another default unmarks the previous one in the same transaction (a partial
unique index, `warmup_plan_one_default`, refuses a second default should two swaps
race). A number's plan change is written to its history as an `updated` event with the
before and after of `warmupPlan` (the plans' ids; the details name them).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from accounts.models import User
from businesses.models import Business
from core.errors import Conflict
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.events import event_record
from phonenumbers_app.services.locking import lock_for_write
from phonenumbers_app.vocabularies import EventType
from warmup.models import BusinessWarmupPlan, NumberWarmup, WarmupPlan
from warmup.plans import VOICE_STAGES

TARGET_BELOW_START = "The target ({target} a day) must be at least the start ({start} a day)."
VOICE_STAGES_SHAPE = (
    f"Exactly {VOICE_STAGES} whole numbers of calls per day, one per stage 0-"
    f"{VOICE_STAGES - 1}, none negative (e.g. [10, 25, 50, 100, 200])."
)
PAUSE_ABOVE_TARGET = (
    "The delivery rate that pauses ({pause}%) must not exceed the target ({target}%)."
)
OPT_OUT_PAUSE_BELOW_ATTENTION = (
    "The opt-out rate that pauses ({pause}%) must be at least the one that asks for "
    "attention ({attention}%)."
)
DEFAULT_UNMARKED = (
    "A plan must stay the default: mark another plan default instead, which unmarks this one."
)
DEFAULT_NOT_DELETABLE = "{name} is the default plan: mark another plan default first."
PLAN_IN_USE = (
    "{name} is still chosen for a business or a number: choose another plan for them first."
)


def warmup_plan_check(plan: WarmupPlan) -> None:
    """Raise ValidationError ({field: [messages]}) for a plan that cannot be saved: its
    fields' own validators, then the rules between fields."""
    errors: dict[str, list[str]] = {}
    try:
        plan.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    start, target = plan.sms_daily_start, plan.sms_daily_target
    if start is not None and target is not None and target < start:
        errors.setdefault("sms_daily_target", []).append(
            TARGET_BELOW_START.format(target=target, start=start)
        )
    if not _voice_stages_ok(plan.voice_stage_daily):
        errors.setdefault("voice_stage_daily", []).append(VOICE_STAGES_SHAPE)
    pause, target_rate = plan.delivery_pause_percent, plan.delivery_target_percent
    if pause is not None and target_rate is not None and pause > target_rate:
        errors.setdefault("delivery_pause_percent", []).append(
            PAUSE_ABOVE_TARGET.format(pause=pause, target=target_rate)
        )
    attention, opt_pause = plan.opt_out_attention_percent, plan.opt_out_pause_percent
    if attention is not None and opt_pause is not None and opt_pause < attention:
        errors.setdefault("opt_out_pause_percent", []).append(
            OPT_OUT_PAUSE_BELOW_ATTENTION.format(pause=opt_pause, attention=attention)
        )
    if errors:
        raise ValidationError(errors)


def _voice_stages_ok(stages: Any) -> bool:
    return (
        isinstance(stages, list)
        and len(stages) == VOICE_STAGES
        and all(isinstance(calls, int) and not isinstance(calls, bool) for calls in stages)
        and all(calls >= 0 for calls in stages)
    )


@transaction.atomic
def warmup_plan_save(*, plan: WarmupPlan, acting_user: User | None = None) -> WarmupPlan:
    """Create or update `plan` (its fields as the caller set them).

    Marking it default unmarks the previous default; unmarking the default is refused
    (there would be none), as is anything warmup_plan_check refuses.
    """
    warmup_plan_check(plan)
    # The default's row locked first: two staff marking two plans default at once
    # take turns instead of one failing on the unique index.
    defaults = list(
        WarmupPlan.objects.select_for_update().filter(is_default=True).values_list("pk", flat=True)
    )
    was_default = plan.pk in defaults and not plan._state.adding
    if was_default and not plan.is_default:
        raise ValidationError({"is_default": [DEFAULT_UNMARKED]})
    if not defaults and not plan.is_default:
        plan.is_default = True  # no default left (unmarked by hand in the database): this one
    if plan.is_default:
        WarmupPlan.objects.filter(is_default=True).exclude(pk=plan.pk).update(is_default=False)
    plan.validate_unique()  # the name
    plan.save()
    return plan


@transaction.atomic
def warmup_plan_delete(*, plan: WarmupPlan, acting_user: User | None = None) -> None:
    """Delete a plan nothing uses; the default and plans still chosen are refused."""
    locked = WarmupPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.is_default:
        raise Conflict(DEFAULT_NOT_DELETABLE.format(name=locked.name))
    try:
        locked.delete()
    except ProtectedError as error:
        raise Conflict(PLAN_IN_USE.format(name=locked.name)) from error


@transaction.atomic
def business_plan_set(
    *, business: Business, plan: WarmupPlan | None, acting_user: User | None = None
) -> BusinessWarmupPlan | None:
    """Make `plan` the plan of `business`'s numbers that have none of their own; None
    returns them to the default plan."""
    locked = Business.objects.select_for_update().get(pk=business.pk)
    if plan is None:
        BusinessWarmupPlan.objects.filter(business=locked).delete()
        return None
    choice, _ = BusinessWarmupPlan.objects.update_or_create(
        business=locked, defaults={"plan": plan}
    )
    return choice


@transaction.atomic
def number_plan_set(
    *, phone_number: PhoneNumber, plan: WarmupPlan | None, acting_user: User | None
) -> NumberWarmup:
    """Give a number its own plan (None: its business's, else the default), with an event.

    The engine's state (day, pacing, last action) is left as it is: the number goes on
    from its current plan day under the new plan's limits.
    """
    locked = lock_for_write(phone_number=phone_number, if_match=None)
    warmup, _ = NumberWarmup.objects.select_for_update().get_or_create(phone_number=locked)
    before = warmup.plan
    if (before and before.pk) == (plan and plan.pk):
        return warmup
    warmup.plan = plan
    warmup.save(update_fields=["plan"])
    event_record(
        phone_number=locked,
        type=EventType.UPDATED,
        title="Warmup plan changed",
        details=f"Warmup plan: {_plan_label(before)} → {_plan_label(plan)}.",
        acting_user=acting_user,
        data={
            "before": {"warmupPlan": str(before.pk) if before else None},
            "after": {"warmupPlan": str(plan.pk) if plan else None},
        },
    )
    return warmup


def _plan_label(plan: WarmupPlan | None) -> str:
    return plan.name if plan else "the business's or the default plan"
