"""Releasing a number: terminal, history kept, the E.164 number free to be created again."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.events import changes, event_record, snapshot
from phonenumbers_app.services.locking import lock_for_write, touch
from phonenumbers_app.services.ownership import clear_owner_data
from phonenumbers_app.vocabularies import EventType, InventoryState

RELEASE_FIELDS = ("inventory_state", "provider_released_at", "enabled")


@transaction.atomic
def phone_number_release(
    *, phone_number: PhoneNumber, acting_user: User, if_match: list[str] | None = None
) -> PhoneNumber:
    """Release the number; releasing a released number again changes nothing.

    The row and its history stay with its last owner; the number stops routing,
    and everything its owner set up on it (ids, 10DLC, billing, warmup, flags) is
    cleared, as on any change of owner. A new row may be created for the same number.
    """
    locked = lock_for_write(phone_number=phone_number, if_match=if_match, allow_released=True)
    if locked.is_released:
        return locked
    before = snapshot(locked, RELEASE_FIELDS)
    cleared = clear_owner_data(locked, rename=False)
    locked.inventory_state = InventoryState.RELEASED
    locked.provider_released_at = timezone.now()
    locked.enabled = False
    if cleared.ten_dlc_fields:
        locked.ten_dlc.save(update_fields=cleared.ten_dlc_fields)
    if cleared.billing_fields:
        locked.billing.save(update_fields=cleared.billing_fields)
    diff = changes(before, snapshot(locked, RELEASE_FIELDS))
    touch(locked)
    locked.save(update_fields=[*RELEASE_FIELDS, *cleared.phone_fields, "modified_at", "version"])
    event_record(
        phone_number=locked,
        type=EventType.RELEASED,
        title="Released",
        details=f"{acting_user.display_name} released {locked.number}.",
        acting_user=acting_user,
        data={
            "before": {**diff["before"], **cleared.before},
            "after": {**diff["after"], **cleared.after},
        },
    )
    return locked
