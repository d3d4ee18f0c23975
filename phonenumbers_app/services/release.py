"""Releasing a number: terminal, history kept, the E.164 number free to be created again."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.events import save_and_record, snapshot
from phonenumbers_app.services.locking import lock_for_write
from phonenumbers_app.vocabularies import EventType, InventoryState

RELEASE_FIELDS = (
    "inventory_state",
    "provider_released_at",
    "enabled",
    "is_default",
    "routing_sms_enabled",
    "routing_voice_enabled",
)


@transaction.atomic
def phone_number_release(
    *, phone_number: PhoneNumber, acting_user: User, if_match: list[str] | None = None
) -> PhoneNumber:
    """Release the number; releasing a released number again changes nothing.

    The row and its events stay; the number stops routing and gives up the
    business's default flag, and a new row may be created for the same number.
    """
    locked = lock_for_write(phone_number=phone_number, if_match=if_match, allow_released=True)
    if locked.is_released:
        return locked
    before = snapshot(locked, RELEASE_FIELDS)
    locked.inventory_state = InventoryState.RELEASED
    locked.provider_released_at = timezone.now()
    locked.enabled = False
    locked.is_default = False
    locked.routing_sms_enabled = locked.routing_voice_enabled = False
    save_and_record(
        locked,
        RELEASE_FIELDS,
        before,
        type=EventType.RELEASED,
        title="Released",
        details=f"{acting_user.display_name} released {locked.number}.",
        acting_user=acting_user,
    )
    return locked
