"""Changing a number: fields, ownership, inventory state and status, the default flag."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import User
from businesses.models import Business
from phonenumbers_app.errors import InvalidTransition, NumberReleased
from phonenumbers_app.event_changes import in_a_sentence
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.services.events import (
    api_name,
    changes,
    event_record,
    events_record,
    snapshot,
)
from phonenumbers_app.services.field_access import check_fields_writable
from phonenumbers_app.services.locking import lock_for_write, touch
from phonenumbers_app.services.ownership import (
    Cleared,
    clear_owner_data,
    owner_change_events,
    owner_snapshot_fields,
    owner_user,
)
from phonenumbers_app.transitions import (
    INVENTORY_TRANSITIONS,
    STATUS_TRANSITIONS,
    inventory_state_allowed,
    status_allowed,
)
from phonenumbers_app.vocabularies import (
    EventType,
    InventoryState,
    PhoneNumberStatus,
    WarmupHealthState,
)


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()

# What phone_number_update may change, by model field name.
TEXT_FIELDS = (
    "team_id",
    "campaign_id",
    "source_id",
    "routing_messaging_profile_id",
    "routing_voice_connection_id",
    "routing_ten_dlc_application_id",
)
NULLABLE_TEXT_FIELDS = ("health_reason",)
BOOLEAN_FIELDS = (
    "enabled",
    "is_preferred",
    "is_default",
    "warmup_enabled",
    "capability_sms",
    "capability_voice",
    "capability_warmup",
    "capability_testing",
    "routing_sms_enabled",
    "routing_voice_enabled",
    "routing_warmup_only",
    "routing_internal_test_only",
)
PERCENT_FIELDS = ("warmup_health_score", "warmup_progress_percent")
WARMUP_STATE_FIELDS = ("warmup_state", "health_status")
DATETIME_FIELDS = ("warmup_next_action_at",)
UPDATABLE_FIELDS = (
    "name",
    "inventory_state",
    "status",
    *TEXT_FIELDS,
    *NULLABLE_TEXT_FIELDS,
    *BOOLEAN_FIELDS,
    *PERCENT_FIELDS,
    *WARMUP_STATE_FIELDS,
    *DATETIME_FIELDS,
)
TEN_DLC_FIELDS = (
    "brand_id",
    "campaign_id",
    "campaign_status",
    "assignment_status",
    "messaging_profile_id",
    "status_updated_at",
    "failure_reason",
    "last_provider_event_id",
)
BILLING_FIELDS = ("subscription_item_id", "monthly_amount", "channel")

NOT_UPDATABLE = "Not a field that can be changed here."
MUST_BE_BOOLEAN = "Must be true or false."
MUST_BE_PERCENT = "Must be an integer from 0 to 100."
MUST_BE_TEXT = "Must be a string no longer than the field allows, or null."
MUST_BE_DATETIME = "Must be a date and time, or null."
MUST_BE_STATE = "Must be one of: {choices}."
MUST_BE_AMOUNT = "Must be a non-negative amount with at most 2 decimal places, or null."
NAME_INVALID = "Must be 1 to 255 characters."
ASSIGNED_NEEDS_BUSINESS = "Assigned needs a business: set businessId too."
AVAILABLE_MEANS_POOL = (
    "Available means unassigned pool inventory: set businessId to null to return the number "
    "to the pool."
)
DEFAULT_NEEDS_BUSINESS = "Only a number of a business can be its default."
USE_RELEASE = "Release a number with DELETE /phone-numbers/{id}, not by setting Released."


def _is_text(model: type[models.Model], field: str, value: Any) -> bool:
    """None, or a string that fits the column."""
    if value is None:
        return True
    max_length = model._meta.get_field(field).max_length
    return isinstance(value, str) and (max_length is None or len(value) <= max_length)


def _is_amount(value: Any) -> bool:
    if value is None:
        return True
    return isinstance(value, Decimal) and value >= 0 and value.as_tuple().exponent >= -2


def _is_datetime(value: Any) -> bool:
    return value is None or isinstance(value, datetime.datetime)


def _field_error(field: str, value: Any) -> str | None:
    """Why `value` cannot go into PhoneNumber.`field`, or None if it can."""
    if field not in UPDATABLE_FIELDS:
        return NOT_UPDATABLE
    if field == "name":
        ok = isinstance(value, str) and 1 <= len(value.strip()) <= 255
        return None if ok else NAME_INVALID
    if field in BOOLEAN_FIELDS:
        return None if isinstance(value, bool) else MUST_BE_BOOLEAN
    if field in PERCENT_FIELDS:
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
        return None if ok else MUST_BE_PERCENT
    if field in (*TEXT_FIELDS, *NULLABLE_TEXT_FIELDS):
        return None if _is_text(PhoneNumber, field, value) else MUST_BE_TEXT
    if field in DATETIME_FIELDS:
        return None if _is_datetime(value) else MUST_BE_DATETIME
    vocabulary = {
        "inventory_state": InventoryState.values,
        "status": PhoneNumberStatus.values,
    }.get(field)
    if vocabulary is None:  # warmup_state, health_status: nullable
        vocabulary = [None, *WarmupHealthState.values]
    if value not in vocabulary:
        return MUST_BE_STATE.format(choices=", ".join(v for v in vocabulary if v))
    return None


def _validate(
    fields: dict[str, Any], ten_dlc: dict[str, Any], billing: dict[str, Any]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, value in fields.items():
        if message := _field_error(field, value):
            errors[api_name(field)] = [message]
    for field, value in ten_dlc.items():
        if field not in TEN_DLC_FIELDS:
            message = NOT_UPDATABLE
        elif field == "status_updated_at":
            message = None if _is_datetime(value) else MUST_BE_DATETIME
        else:
            message = None if _is_text(TenDlc, field, value) else MUST_BE_TEXT
        if message:
            errors[api_name(field, "tenDlc")] = [message]
    for field, value in billing.items():
        if field not in BILLING_FIELDS:
            message = NOT_UPDATABLE
        elif field == "monthly_amount":
            message = None if _is_amount(value) else MUST_BE_AMOUNT
        else:
            message = None if _is_text(Billing, field, value) else MUST_BE_TEXT
        if message:
            errors[api_name(field, "billing")] = [message]
    return errors


def _check_transition(field: str, current: str, requested: str) -> None:
    allowed_fn, table = (
        (inventory_state_allowed, INVENTORY_TRANSITIONS)
        if field == "inventoryState"
        else (status_allowed, STATUS_TRANSITIONS)
    )
    if not allowed_fn(current, requested):
        raise InvalidTransition(
            field=field, current=current, requested=requested, allowed=table[current]
        )


def _resolve_ownership(
    locked: PhoneNumber,
    *,
    fields: dict[str, Any],
    business: Business | _Unset | None,
    acting_user: User | None,
) -> dict[str, Any]:
    """Field values implied by a change of business, merged under the explicit ones."""
    if business is UNSET or business == locked.business:
        return fields
    implied: dict[str, Any] = {"is_default": False}
    if business is None:  # staff only: field_ownership.STAFF_ONLY_VALUES
        implied.update(inventory_state=InventoryState.AVAILABLE, user=None)
    else:
        implied["user"] = owner_user(acting_user)
        if locked.inventory_state == InventoryState.AVAILABLE:
            implied["inventory_state"] = InventoryState.ASSIGNED
    implied["business"] = business
    return {**implied, **fields}


def _check_invariants(locked: PhoneNumber, target: dict[str, Any]) -> None:
    business = target.get("business", locked.business)
    state = target.get("inventory_state", locked.inventory_state)
    errors: dict[str, list[str]] = {}
    if state == InventoryState.ASSIGNED and business is None:
        errors["inventoryState"] = [ASSIGNED_NEEDS_BUSINESS]
    if state == InventoryState.AVAILABLE and business is not None:
        errors["inventoryState"] = [AVAILABLE_MEANS_POOL]
    if target.get("is_default", locked.is_default) and business is None:
        errors["isDefault"] = [DEFAULT_NEEDS_BUSINESS]
    if state == InventoryState.RELEASED:
        errors["inventoryState"] = [USE_RELEASE.format(id=locked.pk)]
    if errors:
        raise ValidationError(errors)


def _take_default(locked: PhoneNumber, business: Business, acting_user: User | None) -> None:
    """Clear the business's current default (its own event) so `locked` can take it.

    The business row is locked first: two numbers of one business made default at
    once then queue here instead of both passing the look-up and one failing on the
    one-default constraint.
    """
    Business.objects.select_for_update().values_list("pk", flat=True).get(pk=business.pk)
    previous = (
        PhoneNumber.objects.select_for_update()
        .filter(business=business, is_default=True)
        .exclude(pk=locked.pk)
        .first()
    )
    if previous is None:
        return
    previous.is_default = False
    touch(previous)
    previous.save(update_fields=["is_default", "modified_at", "version"])
    event_record(
        phone_number=previous,
        type=EventType.UPDATED,
        title="No longer the default number",
        details=f"{locked.number} became the default number of {business.name}.",
        acting_user=acting_user,
        data={"before": {"isDefault": True}, "after": {"isDefault": False}},
    )


def _event_type_and_title(locked: PhoneNumber, diff: dict[str, dict[str, Any]]) -> tuple:
    after, before = diff["after"], diff["before"]
    if "inventoryState" in after or "status" in after:
        parts = [
            f"{label} {before[key]} → {after[key]}"
            for key, label in (("inventoryState", "Inventory state"), ("status", "Status"))
            if key in after
        ]
        return EventType.STATE_CHANGED, "; ".join(parts)
    if "businessId" in after:
        if locked.business is None:
            return EventType.ASSIGNED, "Returned to the inventory pool"
        return EventType.ASSIGNED, f"Moved to {locked.business.name}"
    names = [in_a_sentence(field) for field in after]
    if len(names) > 3:
        names = [*names[:3], f"{len(names) - 3} more"]
    return EventType.UPDATED, "Updated " + ", ".join(names)


def plan_change(
    current: PhoneNumber,
    *,
    fields: dict[str, Any],
    business: Business | _Unset | None,
    acting_user: User | None,
) -> dict[str, Any]:
    """The field values the update would set, after every rule that reads the row."""
    target = _resolve_ownership(current, fields=fields, business=business, acting_user=acting_user)
    if "inventory_state" in target:
        _check_transition("inventoryState", current.inventory_state, target["inventory_state"])
    if "status" in target:
        _check_transition("status", current.status, target["status"])
    _check_invariants(current, target)
    return target


def phone_number_update_check(
    *,
    phone_number: PhoneNumber,
    acting_user: User,
    fields: dict[str, Any] | None = None,
    ten_dlc: dict[str, Any] | None = None,
    billing: dict[str, Any] | None = None,
    business: Business | _Unset | None = UNSET,
) -> None:
    """Raise what phone_number_update would raise for these changes, writing nothing.

    For forms (the admin, the operator pages) to show the errors next to the fields
    before saving. phone_number_update checks again under its row lock.
    """
    fields, ten_dlc, billing = dict(fields or {}), dict(ten_dlc or {}), dict(billing or {})
    errors = _validate(fields, ten_dlc, billing)
    if errors:
        raise ValidationError(errors)
    if phone_number.is_released:
        raise NumberReleased(
            number=phone_number.number,
            # Unset while the provider has not confirmed the release (providers/releases.py).
            when=phone_number.provider_released_at or phone_number.modified_at,
        )
    check_fields_writable(
        phone_number,
        acting_user=acting_user,
        fields=fields,
        ten_dlc=ten_dlc,
        billing=billing,
        business=business,
    )
    plan_change(phone_number, fields=fields, business=business, acting_user=acting_user)


@transaction.atomic
def phone_number_update(
    *,
    phone_number: PhoneNumber,
    acting_user: User | None,
    fields: dict[str, Any] | None = None,
    ten_dlc: dict[str, Any] | None = None,
    billing: dict[str, Any] | None = None,
    business: Business | _Unset | None = UNSET,
    if_match: list[str] | None = None,
) -> PhoneNumber:
    """Change any updatable fields of one number, with one event listing before → after.

    - `fields`: PhoneNumber fields by model name (UPDATABLE_FIELDS); `ten_dlc` and
      `billing`: fields of those rows. `business`: a new owner, or None to return the
      number to the pool (staff only); leave UNSET to keep it.
    - inventoryState/status changes must be allowed by the transition table
      (InvalidTransition, 409); setting isDefault takes the flag from the business's
      previous default in the same transaction.
    - A change of business clears what the previous owner set up on the number and
      writes an event into each owner's history (see apply_change).
    - `acting_user` None: a staff door without a person (an import, the system).
    - A change to nothing is a no-op: no event, same ETag.

    - Who may write which field: field_ownership.FIELD_OWNERS, checked after validation
      (a bad value is a 400 whoever owns the field) and before the rules of the row;
      a field sent with the value it already has is not a write of it.

    Raises ValidationError (bad values), PreconditionFailed (stale If-Match),
    NumberReleased, FieldNotWritable (403), InvalidTransition.
    """
    fields, ten_dlc, billing = dict(fields or {}), dict(ten_dlc or {}), dict(billing or {})
    errors = _validate(fields, ten_dlc, billing)
    if errors:
        raise ValidationError(errors)
    if "name" in fields:
        fields["name"] = fields["name"].strip()

    locked = lock_for_write(phone_number=phone_number, if_match=if_match)
    # Under the lock: whether a value would change decides whether it is a write at all.
    check_fields_writable(
        locked,
        acting_user=acting_user,
        fields=fields,
        ten_dlc=ten_dlc,
        billing=billing,
        business=business,
    )
    target = plan_change(locked, fields=fields, business=business, acting_user=acting_user)
    apply_change(locked, target=target, ten_dlc=ten_dlc, billing=billing, acting_user=acting_user)
    return locked


def apply_change(
    locked: PhoneNumber,
    *,
    target: dict[str, Any],
    ten_dlc: dict[str, Any] | None = None,
    billing: dict[str, Any] | None = None,
    acting_user: User | None,
    actor_name: str | None = None,
    title: str | None = None,
) -> bool:
    """Save a planned change (see plan_change) of a locked number and record its events.

    A change of business first clears what the previous owner set up on the number
    (ownership.clear_owner_data); explicit values of the same change win over the
    cleared ones. `title`: of the event of a number arriving at a business (a claim).
    Returns whether anything changed; a change to nothing writes nothing.
    """
    ten_dlc, billing = dict(ten_dlc or {}), dict(billing or {})
    previous = locked.business
    moving = "business" in target and target["business"] != previous
    # Business and user by attribute name, in the order the caller gave the fields, so
    # the event reads like the request.
    names = [{"business": "business_id", "user": "user_id"}.get(f, f) for f in target]
    if moving:
        phone_keys, ten_dlc_keys, billing_keys = owner_snapshot_fields(tuple(names))
        ten_dlc_keys = tuple(dict.fromkeys([*ten_dlc_keys, *ten_dlc]))
        billing_keys = tuple(dict.fromkeys([*billing_keys, *billing]))
    else:
        phone_keys = tuple(dict.fromkeys([*names, "business_id", "user_id"]))
        ten_dlc_keys, billing_keys = tuple(ten_dlc), tuple(billing)

    def state() -> dict[str, Any]:
        return {
            **snapshot(locked, phone_keys),
            **snapshot(locked.ten_dlc, ten_dlc_keys, "tenDlc"),
            **snapshot(locked.billing, billing_keys, "billing"),
        }

    before = state()
    cleared = clear_owner_data(locked, rename=previous is not None) if moving else Cleared()
    blank = state()
    for field, value in target.items():
        setattr(locked, field, value)
    for field, value in ten_dlc.items():
        setattr(locked.ten_dlc, field, value)
    for field, value in billing.items():
        setattr(locked.billing, field, value)
    if moving:
        # Billing follows the owner: the business and user the number is billed to.
        locked.billing.business, locked.billing.user = locked.business, locked.user
    after = state()
    diff = changes(before, after)
    if not diff["after"]:
        return False

    if locked.is_default and "isDefault" in diff["after"]:
        _take_default(locked, locked.business, acting_user)
    touch(locked)
    phone_fields = [*target, *cleared.phone_fields, "modified_at", "version"]
    locked.save(update_fields=list(dict.fromkeys(phone_fields)))
    ten_dlc_fields = [*cleared.ten_dlc_fields, *ten_dlc]
    if "campaign_status" in ten_dlc and "status_updated_at" not in ten_dlc:
        locked.ten_dlc.status_updated_at = timezone.now()
        ten_dlc_fields.append("status_updated_at")
    billing_fields = [*cleared.billing_fields, *billing]
    if moving:
        billing_fields += ["business", "user"]
    if ten_dlc_fields:
        locked.ten_dlc.save(update_fields=list(dict.fromkeys(ten_dlc_fields)))
    if billing_fields:
        locked.billing.save(update_fields=list(dict.fromkeys(billing_fields)))

    who = acting_user.display_name if acting_user else (actor_name or "The system")
    if moving:
        events = owner_change_events(
            locked,
            previous=previous,
            before=before,
            cleared=blank,
            after=after,
            acting_user=acting_user,
            actor_name=who,
            title=title,
        )
        events_record(events)
        return True
    event_type, event_title = _event_type_and_title(locked, diff)
    event_record(
        phone_number=locked,
        type=event_type,
        title=event_title,
        details=f"{who} changed {', '.join(map(in_a_sentence, diff['after']))}.",
        acting_user=acting_user,
        actor_name=actor_name,
        data=diff,
    )
    return True
