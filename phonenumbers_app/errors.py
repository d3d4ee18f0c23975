"""What can go wrong when writing phone numbers, with the words callers will see."""

from __future__ import annotations

import datetime
import uuid

from core.errors import Conflict, DomainError

NUMBER_EXISTS = "{number} already exists and is {state}; it cannot be created or claimed again."
NUMBER_NOT_CLAIMABLE = (
    "{number} is unassigned Available inventory but {why}, so it cannot be assigned."
)
ID_TAKEN = "A phone number with id {id} already exists."
INVENTORY_EXHAUSTED = (
    "Inventory exhausted: no unassigned, enabled, Available number is left to claim."
)
BUSINESS_REQUIRED_TO_CLAIM = "Required when number is omitted: the business to claim a number for."
BUSINESS_REQUIRED_FOR_NON_STAFF = (
    "Required: only staff may create unassigned inventory (a number without a business)."
)


class NumberExists(Conflict):
    problem_type = "number-exists"
    title = "The phone number already exists"

    def __init__(self, *, number: str, inventory_state: str, detail: str | None = None) -> None:
        super().__init__(
            detail or NUMBER_EXISTS.format(number=number, state=inventory_state),
            number=number,
            inventoryState=inventory_state,
        )


class IdTaken(Conflict):
    problem_type = "id-taken"
    title = "The id is already taken"

    def __init__(self, *, id: uuid.UUID) -> None:
        super().__init__(ID_TAKEN.format(id=id), id=str(id))


class InventoryExhausted(Conflict):
    problem_type = "inventory-exhausted"
    title = "Inventory exhausted"

    def __init__(self) -> None:
        super().__init__(INVENTORY_EXHAUSTED)


NUMBER_RELEASED = "{number} was released on {when}; a released number cannot be changed."
TRANSITION_NOT_ALLOWED = (
    "{field} cannot change from {current} to {requested}. Allowed next: {allowed}."
)


class NumberReleased(Conflict):
    problem_type = "number-released"
    title = "The phone number is released"

    def __init__(self, *, number: str, when: datetime.datetime | None) -> None:
        moment = when.isoformat().replace("+00:00", "Z") if when else "an unknown date"
        super().__init__(NUMBER_RELEASED.format(number=number, when=moment), number=number)


class InvalidTransition(Conflict):
    problem_type = "invalid-transition"
    title = "State change not allowed"

    def __init__(self, *, field: str, current: str, requested: str, allowed: tuple[str, ...]):
        super().__init__(
            TRANSITION_NOT_ALLOWED.format(
                field=field,
                current=current,
                requested=requested,
                allowed=", ".join(allowed) or "nothing (terminal state)",
            ),
            field=field,
            current=current,
            requested=requested,
            allowed=list(allowed),
        )


class WarmupConflict(Conflict):
    problem_type = "warmup-conflict"
    title = "Warmup cannot do that now"


FIELD_NOT_WRITABLE = "This key may not change {fields}; nothing was changed."


class FieldNotWritable(DomainError):
    """A write of fields the caller does not own (field_ownership.FIELD_OWNERS)."""

    status = 403
    problem_type = "field-not-writable"
    title = "Field not writable with this key"

    def __init__(self, *, errors: dict[str, list[str]]) -> None:
        # `errors` as a validation error has it (field → messages), so that clients read
        # both the same way; the detail names every refused field too.
        super().__init__(FIELD_NOT_WRITABLE.format(fields=", ".join(errors)), errors=errors)
