"""Pausing and resuming a number's warmup."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from phonenumbers_app.errors import WarmupConflict
from phonenumbers_app.models import PhoneNumber, PhoneNumberEvent
from phonenumbers_app.services.events import save_and_record, snapshot
from phonenumbers_app.services.locking import lock_for_write
from phonenumbers_app.vocabularies import EventType, WarmupHealthState

PAUSABLE_STATES = (
    WarmupHealthState.NOT_STARTED,
    WarmupHealthState.WARMING,
    WarmupHealthState.HEALTHY,
    WarmupHealthState.NEEDS_ATTENTION,
    WarmupHealthState.READY,
)
REASON_MAX_LENGTH = 500
REASON_REQUIRED = f"Required: why warmup is paused, 1 to {REASON_MAX_LENGTH} characters."
CANNOT_PAUSE = (
    "Warmup can be paused only while it is enabled and {states}; it is {state}{disabled}."
)
CANNOT_RESUME = "Only paused warmup can be resumed; it is {state}."
WARMUP_FIELDS = ("warmup_state", "warmup_pause_reason")


def warmup_can_pause(phone_number: PhoneNumber) -> bool:
    return (
        not phone_number.is_released
        and phone_number.warmup_enabled
        and phone_number.warmup_state in PAUSABLE_STATES
    )


def warmup_can_resume(phone_number: PhoneNumber) -> bool:
    return not phone_number.is_released and phone_number.warmup_state == WarmupHealthState.PAUSED


@transaction.atomic
def phone_number_warmup_pause(
    *, phone_number: PhoneNumber, acting_user: User, reason: str
) -> PhoneNumber:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not 1 <= len(reason) <= REASON_MAX_LENGTH:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    locked = lock_for_write(phone_number=phone_number, if_match=None)
    if not warmup_can_pause(locked):
        raise WarmupConflict(
            CANNOT_PAUSE.format(
                states=", ".join(PAUSABLE_STATES),
                state=locked.warmup_state or "not set",
                disabled="" if locked.warmup_enabled else " and disabled",
            )
        )
    before = snapshot(locked, WARMUP_FIELDS)
    locked.warmup_state = WarmupHealthState.PAUSED
    locked.warmup_pause_reason = reason
    save_and_record(
        locked,
        WARMUP_FIELDS,
        before,
        type=EventType.WARMUP_PAUSED,
        title="Warmup paused",
        details=reason,
        acting_user=acting_user,
    )
    return locked


@transaction.atomic
def phone_number_warmup_resume(*, phone_number: PhoneNumber, acting_user: User) -> PhoneNumber:
    """Resume where the last pause found it (Warming, Healthy, ...)."""
    locked = lock_for_write(phone_number=phone_number, if_match=None)
    if not warmup_can_resume(locked):
        raise WarmupConflict(CANNOT_RESUME.format(state=locked.warmup_state or "not set"))
    before = snapshot(locked, WARMUP_FIELDS)
    locked.warmup_state = _state_before_pause(locked)
    locked.warmup_pause_reason = None
    save_and_record(
        locked,
        WARMUP_FIELDS,
        before,
        type=EventType.WARMUP_RESUMED,
        title="Warmup resumed",
        details=f"{acting_user.display_name} resumed warmup ({locked.warmup_state}).",
        acting_user=acting_user,
    )
    return locked


def _state_before_pause(phone_number: PhoneNumber) -> str:
    pause = (
        PhoneNumberEvent.objects.filter(phone_number=phone_number, type=EventType.WARMUP_PAUSED)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    previous = (pause or {}).get("before", {}).get("warmupState")
    if previous in PAUSABLE_STATES:
        return previous
    return WarmupHealthState.WARMING
