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
    *,
    phone_number: PhoneNumber,
    acting_user: User,
    if_match: list[str] | None = None,
    gone_at_provider: bool = False,
) -> PhoneNumber:
    """Release the number; releasing a released number again changes nothing.

    The row and its history stay with its last owner; the number stops routing,
    and everything its owner set up on it (ids, 10DLC, billing, warmup, flags) is
    cleared, as on any change of owner. A new row may be created for the same number.

    A number of a provider account configured here, with the provider's id, is then
    released at the provider by a job once this transaction commits
    (providers/releases.py): its providerReleasedAt stays empty until the provider
    confirms. Any other number's is set now, as the inventory alone knows of it.
    `gone_at_provider`: the provider no longer holds the number (reconciliation found
    it gone), so there is nothing to ask it and the release counts as confirmed.
    """
    locked = lock_for_write(phone_number=phone_number, if_match=if_match, allow_released=True)
    if locked.is_released:
        return locked
    at_provider = not gone_at_provider and _released_at_provider_later(locked)
    fields = (*RELEASE_FIELDS, "provider_error") if at_provider else RELEASE_FIELDS
    before = snapshot(locked, fields)
    cleared = clear_owner_data(locked, rename=False)
    locked.inventory_state = InventoryState.RELEASED
    locked.enabled = False
    if at_provider:
        # What the provider said before (a failed provisioning) is not about the release:
        # from now on providerError is the provider's answer to it (a refusal shows in
        # "needs attention").
        locked.provider_error = None
    else:
        locked.provider_released_at = timezone.now()
    if cleared.ten_dlc_fields:
        locked.ten_dlc.save(update_fields=cleared.ten_dlc_fields)
    if cleared.billing_fields:
        locked.billing.save(update_fields=cleared.billing_fields)
    diff = changes(before, snapshot(locked, fields))
    touch(locked)
    locked.save(update_fields=[*fields, *cleared.phone_fields, "modified_at", "version"])
    details = f"{acting_user.display_name} released {locked.number}."
    if at_provider:
        details += f" It is being released at {locked.provider} too."
    elif gone_at_provider:
        details += f" {locked.provider} no longer holds it."
    event_record(
        phone_number=locked,
        type=EventType.RELEASED,
        title="Released",
        details=details,
        acting_user=acting_user,
        data={
            "before": {**diff["before"], **cleared.before},
            "after": {**diff["after"], **cleared.after},
        },
    )
    if at_provider:
        _release_at_provider_on_commit(locked)
    return locked


def _released_at_provider_later(phone_number: PhoneNumber) -> bool:
    # Imported when called: the providers app is built on this one (its models and
    # services import phonenumbers_app), so this module cannot import it at load time.
    # The rule itself lives with the release job (providers/releases.py), in one place.
    from providers.releases import releases_at_provider

    return releases_at_provider(phone_number)


def _release_at_provider_on_commit(phone_number: PhoneNumber) -> None:
    from providers.releases import release_at_provider_on_commit

    release_at_provider_on_commit(phone_number)
