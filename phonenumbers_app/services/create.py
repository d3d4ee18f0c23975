"""Creating numbers, and claiming or assigning them from the inventory pool."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from businesses.models import Business
from core.errors import Conflict
from core.ids import new_id
from phonenumbers_app.errors import (
    BUSINESS_REQUIRED_FOR_NON_STAFF,
    BUSINESS_REQUIRED_TO_CLAIM,
    NUMBER_NOT_CLAIMABLE,
    IdTaken,
    InventoryExhausted,
    NumberExists,
)
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.numbers import InvalidNumber, describe_location, normalize_number
from phonenumbers_app.services.events import event_record, snapshot
from phonenumbers_app.services.ownership import owner_user
from phonenumbers_app.services.update import apply_change, plan_change
from phonenumbers_app.vocabularies import EventType, InventoryState

NAME_INVALID = "Must be 1 to 255 characters."
ID_ONLY_FOR_NEW = "Only for new numbers: a number claimed from the pool keeps its own id."
CHANGED_CONCURRENTLY = "The number changed while this request ran; retry it."
ID_FOR_POOL_NUMBER = (
    "{number} is unassigned Available inventory with its own id; omit id to assign it."
)

# Fields whose before → after an ownership change records.
OWNERSHIP_FIELDS = ("name", "business_id", "user_id", "inventory_state", "enabled")


def _clean_name(name: str) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 255:
        raise ValidationError({"name": [NAME_INVALID]})
    return name


def _clean_number(number: str) -> str:
    try:
        return normalize_number(number)
    except InvalidNumber as exc:
        raise ValidationError({"number": [str(exc)]}) from None


def _is_claimable(phone_number: PhoneNumber) -> bool:
    return (
        phone_number.business_id is None
        and phone_number.inventory_state == InventoryState.AVAILABLE
        and phone_number.enabled
        and not phone_number.is_internal_pool
    )


def _why_not_claimable(phone_number: PhoneNumber) -> str:
    if not phone_number.enabled:
        return "disabled"
    return "held in the internal pool"


def _validate_create(
    *,
    acting_user: User,
    name: str,
    number: str | None,
    business: Business | None,
    id: uuid.UUID | None,
) -> tuple[str, str | None]:
    """Check every input of a create at once, so a caller sees all of its mistakes."""
    errors: dict[str, list[str]] = {}
    clean_name = e164 = None
    try:
        clean_name = _clean_name(name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if number is None:
        if business is None:
            errors["businessId"] = [BUSINESS_REQUIRED_TO_CLAIM]
        if id is not None:
            errors["id"] = [ID_ONLY_FOR_NEW]
    else:
        try:
            e164 = _clean_number(number)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if business is None and not acting_user.is_staff:
            errors["businessId"] = [BUSINESS_REQUIRED_FOR_NON_STAFF]
    if errors:
        raise ValidationError(errors)
    return clean_name, e164


def phone_number_create(
    *,
    acting_user: User,
    name: str,
    number: str | None = None,
    business: Business | None = None,
    enabled: bool = True,
    id: uuid.UUID | None = None,
) -> PhoneNumber:
    """Create a number, or claim/assign one from the inventory pool.

    - `number` omitted: claim the best pool number for `business` (see phone_number_claim).
    - `number` new: a new row, Assigned to `business`, or unassigned Available
      inventory when there is no business (staff only).
    - `number` already unassigned pool inventory and `business` given: assign it.
    - otherwise: NumberExists (409); a taken `id`: IdTaken (409).

    Uniqueness is left to the database: a violation of the insert is turned into
    the right conflict, so there is no racy pre-check. Each write (insert, claim,
    assign) is its own transaction; they are not wrapped in an outer one because a
    failed insert would then need a savepoint, two more round trips on every create.
    Called inside a transaction (the admin), the insert becomes a savepoint.
    """
    name, e164 = _validate_create(
        acting_user=acting_user, name=name, number=number, business=business, id=id
    )
    if e164 is None:
        return phone_number_claim(
            business=business, acting_user=acting_user, name=name, enabled=enabled
        )

    try:
        with transaction.atomic():
            return _insert_new(
                acting_user=acting_user,
                name=name,
                number=e164,
                business=business,
                enabled=enabled,
                id=id,
            )
    except IntegrityError:
        # Which constraint failed is found by looking, not by parsing driver messages.
        if id is not None and PhoneNumber.objects.filter(pk=id).exists():
            raise IdTaken(id=id) from None
        existing = PhoneNumber.objects.not_released().filter(number=e164).first()
        if existing is None:
            # The row that blocked the insert was released (or its business deleted) in
            # the meantime: a race, not bad input, and a retry will succeed.
            raise Conflict(CHANGED_CONCURRENTLY) from None
    in_pool_states = existing.business_id is None and (
        existing.inventory_state == InventoryState.AVAILABLE
    )
    if business is None or not in_pool_states:
        raise NumberExists(number=e164, inventory_state=existing.inventory_state)
    if id is not None:
        raise NumberExists(
            number=e164,
            inventory_state=existing.inventory_state,
            detail=ID_FOR_POOL_NUMBER.format(number=e164),
        )
    return phone_number_assign(
        phone_number=existing,
        business=business,
        acting_user=acting_user,
        name=name,
        enabled=enabled,
    )


def _insert_new(
    *,
    acting_user: User,
    name: str,
    number: str,
    business: Business | None,
    enabled: bool,
    id: uuid.UUID | None,
) -> PhoneNumber:
    location = describe_location(number)
    owner = owner_user(acting_user) if business else None
    phone_number = PhoneNumber(
        id=id or new_id(),
        number=number,
        name=name,
        business=business,
        user=owner,
        enabled=enabled,
        inventory_state=InventoryState.ASSIGNED if business else InventoryState.AVAILABLE,
        # Unassigned inventory is stock we bought; a number created straight into a
        # business is the customer's own.
        leadping_owned=business is None,
        location_description=location.description,
        location_state=location.state,
        location_country_code=location.country_code,
    )
    phone_number.save(force_insert=True)
    TenDlc.objects.create(phone_number=phone_number)
    Billing.objects.create(phone_number=phone_number, business=business, user=owner)
    if business:
        title = f"Created for {business.name}"
        details = f"{acting_user.display_name} created {number} as Assigned to {business.name}."
    else:
        title = "Added to the inventory pool"
        details = f"{acting_user.display_name} added {number} to the pool as Available."
    event = event_record(
        phone_number=phone_number,
        type=EventType.CREATED,
        title=title,
        details=details,
        acting_user=acting_user,
        data={"after": snapshot(phone_number, ("number", *OWNERSHIP_FIELDS, "status"))},
    )
    # Everything the representation shows is in memory now (the one-to-one rows cache
    # themselves on the number), so the API can answer without reading it back.
    phone_number.recent_events = [event]
    return phone_number


@transaction.atomic
def phone_number_claim(
    *, business: Business, acting_user: User, name: str, enabled: bool = True
) -> PhoneNumber:
    """Assign the best pool number to `business`: preferred first, then the oldest.

    SKIP LOCKED lets concurrent claims each take a different row instead of queuing
    on the same one (PostgreSQL; SQLite serialises writers, so it needs no lock).
    Raises InventoryExhausted when the pool is empty.
    """
    name = _clean_name(name)
    candidate = (
        PhoneNumber.objects.pool()
        .select_related("ten_dlc", "billing")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("-is_preferred", "created_at", "id")
        .first()
    )
    if candidate is None:
        raise InventoryExhausted()
    return _assign_locked(
        phone_number=candidate,
        business=business,
        acting_user=acting_user,
        name=name,
        enabled=enabled,
        title="Claimed from the inventory pool",
    )


@transaction.atomic
def phone_number_assign(
    *,
    phone_number: PhoneNumber,
    business: Business,
    acting_user: User,
    name: str | None = None,
    enabled: bool | None = None,
) -> PhoneNumber:
    """Assign one unassigned pool number to `business`; NumberExists if it is not in the pool."""
    locked = (
        PhoneNumber.objects.select_related("ten_dlc", "billing")
        .select_for_update(of=("self",))
        .get(pk=phone_number.pk)
    )
    if not _is_claimable(locked):
        if locked.business_id is None and locked.inventory_state == InventoryState.AVAILABLE:
            raise NumberExists(
                number=locked.number,
                inventory_state=locked.inventory_state,
                detail=NUMBER_NOT_CLAIMABLE.format(
                    number=locked.number, why=_why_not_claimable(locked)
                ),
            )
        raise NumberExists(number=locked.number, inventory_state=locked.inventory_state)
    return _assign_locked(
        phone_number=locked,
        business=business,
        acting_user=acting_user,
        name=_clean_name(name) if name is not None else None,
        enabled=enabled,
        title="Assigned from the inventory pool",
    )


def _assign_locked(
    *,
    phone_number: PhoneNumber,
    business: Business,
    acting_user: User,
    name: str | None,
    enabled: bool | None,
    title: str,
) -> PhoneNumber:
    """Give a locked pool number to `business` through the update rules: Assigned, the
    pool's leftovers cleared, one event in the new owner's history."""
    fields = {
        key: value for key, value in (("name", name), ("enabled", enabled)) if value is not None
    }
    target = plan_change(phone_number, fields=fields, business=business, acting_user=acting_user)
    apply_change(phone_number, target=target, acting_user=acting_user, title=title)
    return phone_number
