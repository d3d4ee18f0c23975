"""What providers change on numbers: a bought number arriving, its provisioning ending,
a release confirmed or refused, and the provider's facts about a number (status, 10DLC).

Every change is recorded with the actor "Provider" (no user), through the same plan and
apply steps as any update: transitions are checked, events written in the transaction.
Callers (providers/*) decide what a provider's message means; these functions only write.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from businesses.models import Business
from core.ids import new_id
from phonenumbers_app.errors import NumberExists
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.numbers import describe_location
from phonenumbers_app.services.events import changes, event_record, snapshot
from phonenumbers_app.services.locking import lock_for_write, touch
from phonenumbers_app.services.update import UNSET, apply_change, plan_change
from phonenumbers_app.transitions import status_allowed
from phonenumbers_app.vocabularies import EventType, InventoryState, PhoneNumberStatus

PROVIDER_ACTOR = "Provider"


@transaction.atomic
def phone_number_provision(
    *,
    number: str,
    provider: str,
    provider_phone_number_id: str | None,
    provider_order_id: str | None,
    business: Business | None,
    acting_user: User | None,
    name: str | None = None,
) -> PhoneNumber:
    """A number just ordered at `provider`: a new row, Provisioning and Pending
    verification (so no one claims or sends from it) until the provider says it is
    ready (phone_number_provisioning_finished). `number` is E.164.

    Raises NumberExists when an unreleased row holds the number already.
    """
    location = describe_location(number)
    phone_number = PhoneNumber(
        id=new_id(),
        number=number,
        name=name or number,
        business=business,
        inventory_state=InventoryState.PENDING_VERIFICATION,
        status=PhoneNumberStatus.PROVISIONING,
        leadping_owned=True,
        provider=provider,
        provider_phone_number_id=provider_phone_number_id or None,
        provider_order_id=provider_order_id or None,
        provider_order_status="pending",
        provider_synced_at=timezone.now(),
        location_description=location.description,
        location_state=location.state,
        location_country_code=location.country_code,
    )
    _insert(phone_number)
    who = acting_user.display_name if acting_user else PROVIDER_ACTOR
    event_record(
        phone_number=phone_number,
        type=EventType.CREATED,
        title=f"Ordered at {provider}",
        details=f"{who} ordered {number} at {provider}; it is provisioning.",
        acting_user=acting_user,
        actor_name=PROVIDER_ACTOR,
        data={
            "after": snapshot(
                phone_number,
                ("inventory_state", "status", "provider", "provider_phone_number_id"),
            )
        },
    )
    return phone_number


@transaction.atomic
def phone_number_provisioning_finished(
    *,
    phone_number: PhoneNumber,
    succeeded: bool,
    provider_phone_number_id: str | None = None,
    reason: str | None = None,
) -> bool:
    """The provider finished provisioning: Active (and Assigned to its business or
    Available in the pool), or FailedProvisioning and Failed with the provider's reason.
    A number no longer Provisioning is left alone (a repeated or late message).
    Returns whether anything changed."""
    locked = lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
    if locked.is_released or locked.status != PhoneNumberStatus.PROVISIONING:
        return False
    if succeeded:
        fields: dict[str, Any] = {
            "status": PhoneNumberStatus.ACTIVE,
            "inventory_state": (
                InventoryState.ASSIGNED if locked.business_id else InventoryState.AVAILABLE
            ),
            "provider_order_status": "success",
            "provider_error": None,
        }
        if provider_phone_number_id:
            fields["provider_phone_number_id"] = provider_phone_number_id
    else:
        fields = {
            "status": PhoneNumberStatus.FAILED_PROVISIONING,
            "inventory_state": InventoryState.FAILED,
            "provider_order_status": "failed",
            "provider_error": reason or "The provider could not provision this number.",
        }
    fields["provider_synced_at"] = timezone.now()
    return phone_number_provider_update(phone_number=locked, fields=fields, locked=True)


def phone_number_provider_update(
    *,
    phone_number: PhoneNumber,
    fields: dict[str, Any] | None = None,
    ten_dlc: dict[str, Any] | None = None,
    locked: bool = False,
    title: str | None = None,
) -> bool:
    """Write what the provider says of a number (model field names), as the actor
    "Provider": transitions checked (InvalidTransition), one event, nothing when nothing
    changes. Returns whether anything changed. Released numbers are left alone."""
    with transaction.atomic():
        row = (
            phone_number
            if locked
            else lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
        )
        if row.is_released:
            return False
        target = plan_change(row, fields=dict(fields or {}), business=UNSET, acting_user=None)
        return apply_change(
            row, target=target, ten_dlc=ten_dlc, acting_user=None, actor_name=PROVIDER_ACTOR
        )


@transaction.atomic
def phone_number_provider_release_confirmed(*, phone_number: PhoneNumber) -> bool:
    """The provider confirmed the release of a Released number: providerReleasedAt is
    set (and a refusal recorded before is cleared). Returns whether anything changed."""
    locked = lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
    if locked.provider_released_at is not None:
        return False
    before = snapshot(locked, ("provider_released_at", "provider_error"))
    locked.provider_released_at = timezone.now()
    locked.provider_error = None
    _save_as_provider(
        locked,
        ("provider_released_at", "provider_error"),
        before,
        title="Released at the provider",
        details=f"{locked.provider} confirmed the release of {locked.number}.",
    )
    return True


@transaction.atomic
def phone_number_provider_release_refused(*, phone_number: PhoneNumber, reason: str) -> bool:
    """The provider refused to release a Released number: `reason` becomes its provider
    error (so it shows in "needs attention") until a later try is confirmed."""
    locked = lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
    if locked.provider_released_at is not None or locked.provider_error == reason:
        return False
    before = snapshot(locked, ("provider_error",))
    locked.provider_error = reason
    _save_as_provider(
        locked,
        ("provider_error",),
        before,
        title="Release refused by the provider",
        details=f"{locked.provider} refused to release {locked.number}: {reason}",
    )
    return True


def _save_as_provider(
    locked: PhoneNumber,
    fields: tuple[str, ...],
    before: dict[str, Any],
    *,
    title: str,
    details: str,
) -> None:
    touch(locked)
    locked.save(update_fields=[*fields, "modified_at", "version"])
    event_record(
        phone_number=locked,
        type=EventType.UPDATED,
        title=title,
        details=details,
        acting_user=None,
        actor_name=PROVIDER_ACTOR,
        data=changes(before, snapshot(locked, fields)),
    )


# --- Reconciliation (providers/reconciliation.py): an operator's choice, audited ------


@transaction.atomic
def phone_number_adopt(
    *,
    number: str,
    provider: str,
    provider_phone_number_id: str,
    provider_status: str | None,
    acting_user: User,
) -> PhoneNumber:
    """A number the provider account holds but the inventory did not know, taken into
    the pool by `acting_user`: Available and Active, with the provider's id, so it can be
    claimed like any pool number. `number` is E.164.

    Raises NumberExists when an unreleased row holds the number (it arrived since).
    """
    location = describe_location(number)
    phone_number = PhoneNumber(
        id=new_id(),
        number=number,
        name=number,
        business=None,
        inventory_state=InventoryState.AVAILABLE,
        status=PhoneNumberStatus.ACTIVE,
        leadping_owned=True,
        provider=provider,
        provider_phone_number_id=provider_phone_number_id,
        provider_status=provider_status or None,
        provider_synced_at=timezone.now(),
        location_description=location.description,
        location_state=location.state,
        location_country_code=location.country_code,
    )
    _insert(phone_number)
    event_record(
        phone_number=phone_number,
        type=EventType.CREATED,
        title=f"Adopted from {provider}",
        details=f"{acting_user.display_name} adopted {number}, held at {provider} but unknown "
        "to the inventory, as pool inventory.",
        acting_user=acting_user,
        data={
            "after": snapshot(
                phone_number,
                ("inventory_state", "status", "provider", "provider_phone_number_id"),
            )
        },
    )
    return phone_number


def phone_number_take_provider_values(
    *,
    phone_number: PhoneNumber,
    fields: dict[str, Any],
    ten_dlc: dict[str, Any] | None,
    acting_user: User,
) -> bool:
    """Write what the provider has for a number (its id, messaging profile, campaign),
    as `acting_user` chose after a reconciliation: the same checks and one event as a
    provider update, with the operator as the actor. Released numbers are left alone."""
    with transaction.atomic():
        locked = lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
        if locked.is_released:
            return False
        target = plan_change(
            locked,
            fields={**fields, "provider_synced_at": timezone.now()},
            business=UNSET,
            acting_user=None,
        )
        return apply_change(locked, target=target, ten_dlc=ten_dlc, acting_user=acting_user)


@transaction.atomic
def phone_number_provider_configured(
    *, phone_number: PhoneNumber, settings: dict[str, str | None], acting_user: User
) -> None:
    """Record that `acting_user` set the number up at its provider as the inventory says
    (`settings`: what was sent, e.g. the messaging profile and campaign): an event on the
    number and its providerSyncedAt. The provider call itself is the caller's."""
    locked = lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
    before = snapshot(locked, ("provider_synced_at",))
    locked.provider_synced_at = timezone.now()
    touch(locked)
    locked.save(update_fields=["provider_synced_at", "modified_at", "version"])
    sent = ", ".join(f"{name} {value}" for name, value in settings.items() if value)
    event_record(
        phone_number=locked,
        type=EventType.UPDATED,
        title=f"Set up at {locked.provider} as the inventory says",
        details=f"{acting_user.display_name} set {locked.number} up at {locked.provider}: {sent}.",
        acting_user=acting_user,
        data=changes(before, snapshot(locked, ("provider_synced_at",))),
    )


def phone_number_gone_at_provider(
    *, phone_number: PhoneNumber, provider_status: str, reason: str
) -> bool:
    """The provider no longer holds the number (deleted there, or ported to another
    carrier). A number Released here: its release is confirmed. Otherwise the inventory
    still counts on it, so it needs attention: the provider's status and `reason` as its
    provider error, and status Expired where the transition table allows it (from Active
    or Suspended; a number still Provisioning keeps its status). Returns whether anything
    changed."""
    with transaction.atomic():
        locked = lock_for_write(phone_number=phone_number, if_match=None, allow_released=True)
        if locked.is_released:
            return phone_number_provider_release_confirmed(phone_number=locked)
        fields: dict[str, Any] = {
            "provider_status": provider_status,
            "provider_error": reason,
            "provider_synced_at": timezone.now(),
        }
        if status_allowed(locked.status, PhoneNumberStatus.EXPIRED):
            fields["status"] = PhoneNumberStatus.EXPIRED
        return phone_number_provider_update(phone_number=locked, fields=fields, locked=True)


def _insert(phone_number: PhoneNumber) -> None:
    """Insert a new number with its 10DLC and billing rows (billed to its business);
    NumberExists when an unreleased row holds the number already."""
    try:
        with transaction.atomic():
            phone_number.save(force_insert=True)
    except IntegrityError:
        existing = PhoneNumber.objects.not_released().filter(number=phone_number.number).first()
        raise NumberExists(
            number=phone_number.number,
            inventory_state=existing.inventory_state if existing else "unknown",
        ) from None
    TenDlc.objects.create(phone_number=phone_number)
    Billing.objects.create(phone_number=phone_number, business=phone_number.business)
