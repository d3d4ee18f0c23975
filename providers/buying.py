"""Buying numbers: an order asked for (validated, then queued), and the job that fills it.

`order_request` checks everything first (provider configured, area code or numbers,
quantity, business) and changes nothing when something is wrong; it saves the
NumberOrder and queues `providers.run_order` when the transaction commits.

`order_run` (the job, providers/order_tasks.py) searches the provider when the order is
by area code, then for each batch of at most BATCH_SIZE numbers:
1. records the batch's items and enters each number in the inventory as Provisioning
   (phone_number_provision; a number someone holds in the inventory meanwhile fails its
   item with the reason, and is not ordered) - before asking the provider, so that its
   answer, however early a webhook brings it, finds the rows it concerns;
2. orders the batch at the provider with our reference (the order's id): a retried job
   re-sends the same batch, which the provider recognises;
3. records the provider's ids; numbers the provider refused or sold at once (Twilio) go
   through providers.orders.order_number_result, like a webhook's word.
Then the order waits for the provider (WAITING) and completes when every item is Active
or Failed. Running it again finishes what a previous run left and orders nothing twice.

`orders_poll` asks the provider about orders that waited too long, as a fallback to
webhooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from businesses.models import Business
from businesses.selectors import BusinessNotFound, business_by_id_or_name
from phonenumbers_app.errors import NumberExists
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.selectors import numbers_held
from phonenumbers_app.services.provider_sync import (
    phone_number_provider_update,
    phone_number_provision,
)
from phonenumbers_app.vocabularies import PhoneNumberStatus
from providers import accounts
from providers.base import OrderState, ProviderError, ProviderNotConfigured, SearchQuery
from providers.models import NumberOrder, NumberOrderItem
from providers.orders import order_number_result, order_settle

# Numbers per provider order (Telnyx takes more, but a smaller batch fails smaller).
BATCH_SIZE = 50
# Numbers asked for per search (Telnyx's available_phone_numbers answers at most 100).
SEARCH_PAGE = 100
MAX_QUANTITY = 1000
# A waiting order is asked about after this long without its webhook.
POLL_AFTER = timedelta(minutes=3)

AREA_CODE_INVALID = "Must be three digits, the first 2 to 9, e.g. 312."
AREA_CODE_OR_NUMBERS = "Send either areaCode or numbers, not both."
AREA_CODE_OR_NUMBERS_MISSING = "Send areaCode (with quantity) or numbers."
QUANTITY_RANGE = f"Must be 1 to {MAX_QUANTITY}."
QUANTITY_NOT_NUMBERS = "With numbers, quantity is the count of numbers ({count}) or left out."
PROVIDER_NOT_CONFIGURED = "No {provider} account is configured here. Configured: {configured}."
NUMBER_REPEATED = "{number} is listed more than once."
IN_INVENTORY = "Already in the inventory ({state}); not ordered."
SHORTFALL = "The provider offered {found} of {wanted} numbers in area code {area_code}."


@dataclass(frozen=True)
class OrderAsk:
    """A validated request to buy numbers."""

    provider: str
    area_code: str
    numbers: tuple[str, ...]
    quantity: int
    business: Business | None


def order_validate(
    *,
    provider: str | None,
    area_code: str | None,
    numbers: Sequence[str] | None,
    quantity: int | None,
    business: str | uuid.UUID | Business | None,
    user: User | None = None,
) -> OrderAsk:
    """Every field checked at once: ValidationError naming each bad one (API names)."""
    errors: dict[str, list[str]] = {}
    configured = accounts.configured()
    if provider:
        if provider not in configured:
            errors["provider"] = [
                PROVIDER_NOT_CONFIGURED.format(
                    provider=accounts.LABELS.get(provider, provider),
                    configured=", ".join(configured) or "none",
                )
            ]
    else:
        try:
            provider = accounts.default_name()
        except ProviderNotConfigured as exc:
            errors["provider"] = [str(exc)]
    area_code = (area_code or "").strip()
    listed: list[str] = []
    if area_code and numbers:
        errors["areaCode"] = [AREA_CODE_OR_NUMBERS]
    elif not area_code and not numbers:
        errors["areaCode"] = [AREA_CODE_OR_NUMBERS_MISSING]
    elif area_code and not (
        len(area_code) == 3 and area_code.isdigit() and area_code[0] in "23456789"
    ):
        errors["areaCode"] = [AREA_CODE_INVALID]
    if numbers:
        if len(numbers) > MAX_QUANTITY:
            errors["numbers"] = [f"At most {MAX_QUANTITY} numbers per order."]
        for index, raw in enumerate(numbers):
            try:
                number = normalize_number(raw)
            except InvalidNumber as exc:
                errors[f"numbers[{index}]"] = [str(exc)]
                continue
            if number in listed:
                errors[f"numbers[{index}]"] = [NUMBER_REPEATED.format(number=number)]
            listed.append(number)
        if quantity is not None and quantity != len(numbers):
            errors["quantity"] = [QUANTITY_NOT_NUMBERS.format(count=len(numbers))]
        quantity = len(numbers)
    elif quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        errors["quantity"] = [QUANTITY_RANGE]
    found_business = None
    if isinstance(business, Business):
        found_business = business
    elif business not in (None, ""):
        try:
            found_business = business_by_id_or_name(value=business, user=user)
        except BusinessNotFound as exc:
            errors["businessId"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return OrderAsk(
        provider=provider,
        area_code=area_code if not listed else "",
        numbers=tuple(listed),
        quantity=quantity,
        business=found_business,
    )


def order_request(*, ask: OrderAsk, acting_user: User | None) -> NumberOrder:
    """Save the order and queue its job (when the transaction commits)."""
    from providers.order_tasks import run_order  # the task module imports this one

    with transaction.atomic():
        order = NumberOrder.objects.create(
            provider=ask.provider,
            area_code=ask.area_code,
            numbers=list(ask.numbers),
            quantity=ask.quantity,
            business=ask.business,
            requested_by=acting_user,
        )
        transaction.on_commit(lambda: run_order.delay(str(order.pk)))
    return order


def order_run(order_id: uuid.UUID | str) -> NumberOrder:
    """Fill the order (see the module's docstring). Raises ProviderError when retryable
    (the task tries again); a refusal that will not change fails the rest of the order."""
    order = NumberOrder.objects.select_related("business", "requested_by").get(pk=order_id)
    if order.status in (NumberOrder.Status.COMPLETED, NumberOrder.Status.FAILED):
        return order
    NumberOrder.objects.filter(pk=order.pk).update(status=NumberOrder.Status.RUNNING)
    try:
        provider = accounts.get(order.provider)
    except ProviderNotConfigured as exc:
        return _order_failed(order, str(exc))
    try:
        # First what an earlier run entered but may not have ordered, then new numbers.
        _order_unsent(order, provider)
        while True:
            batch = _next_batch(order, provider)
            if not batch:
                break
            _enter(order, batch)
            _order_unsent(order, provider)
    except ProviderError as exc:
        if exc.retryable:
            raise
        _fail_unsent(order, exc.message)
        _note(order, f"The provider refused the order: {exc.message}")
    items_catch_up(order)
    with transaction.atomic():
        NumberOrder.objects.filter(pk=order.pk).update(status=NumberOrder.Status.WAITING)
        order_settle(order.pk)
    order.refresh_from_db()
    return order


def _order_failed(order: NumberOrder, error: str) -> NumberOrder:
    NumberOrder.objects.filter(pk=order.pk).update(
        status=NumberOrder.Status.FAILED, error=error, finished_at=timezone.now()
    )
    order.refresh_from_db()
    return order


def _note(order: NumberOrder, note: str) -> None:
    NumberOrder.objects.filter(pk=order.pk).update(error=note)


def _next_batch(order: NumberOrder, provider) -> list[str]:
    """Up to BATCH_SIZE numbers not yet in the order: the listed ones, or found by a
    search of the area code (skipping numbers the inventory holds)."""
    rows = list(order.items.values_list("number", "phone_number_id", "provider_order_id"))
    have = {number for number, _, _ in rows}
    if order.numbers:
        return [number for number in order.numbers if number not in have][:BATCH_SIZE]
    # A number another order entered first (its item failed before anything was
    # ordered) does not count: another is looked for in its place.
    taken = sum(1 for _, phone_number_id, ordered in rows if phone_number_id or ordered)
    wanted = min(order.quantity - taken, BATCH_SIZE)
    if wanted <= 0:
        return []
    offered = provider.search(
        SearchQuery(area_code=order.area_code, quantity=min(SEARCH_PAGE, wanted + len(have)))
    )
    candidates = [n.number for n in offered if n.number not in have]
    held = numbers_held(candidates)
    batch = [number for number in candidates if number not in held][:wanted]
    if not batch:
        _note(
            order,
            SHORTFALL.format(found=taken, wanted=order.quantity, area_code=order.area_code),
        )
    return batch


@transaction.atomic
def _enter(order: NumberOrder, numbers: list[str]) -> None:
    """Record the batch's items and enter each number as Provisioning."""
    now = timezone.now()
    for number in numbers:
        item = NumberOrderItem.objects.create(order=order, number=number, created_at=now)
        try:
            phone_number = phone_number_provision(
                number=number,
                provider=order.provider,
                provider_phone_number_id=None,
                provider_order_id=None,
                business=order.business,
                acting_user=order.requested_by,
            )
        except NumberExists as exc:
            item.status = NumberOrderItem.Status.FAILED
            item.error = IN_INVENTORY.format(state=exc.extensions["inventoryState"])
            item.save(update_fields=["status", "error"])
            continue
        item.phone_number = phone_number
        item.save(update_fields=["phone_number"])


def _unsent(order: NumberOrder):
    return order.items.filter(status=NumberOrderItem.Status.ORDERED, provider_order_id="")


def _order_unsent(order: NumberOrder, provider) -> None:
    """Order, BATCH_SIZE at a time, the items entered but not known to be ordered."""
    while True:
        items = list(_unsent(order).select_related("phone_number").order_by("number")[:BATCH_SIZE])
        if not items:
            return
        placed = provider.order([item.number for item in items], reference=str(order.pk))
        _record(order, items, placed)


def _record(order: NumberOrder, items: list[NumberOrderItem], placed) -> None:
    by_number = {result.number: result for result in placed.numbers}
    provider_order_id = placed.provider_order_id or f"{order.pk}"
    with transaction.atomic():
        for item in items:
            result = by_number.get(item.number)
            item.provider_order_id = provider_order_id
            item.provider_phone_number_id = (result and result.provider_phone_number_id) or ""
            item.updated_at = timezone.now()
            item.save(update_fields=["provider_order_id", "provider_phone_number_id", "updated_at"])
            if item.phone_number_id:
                phone_number_provider_update(
                    phone_number=item.phone_number,
                    fields={
                        "provider_order_id": provider_order_id,
                        **(
                            {"provider_phone_number_id": result.provider_phone_number_id}
                            if result and result.provider_phone_number_id
                            else {}
                        ),
                    },
                )
    for item in items:
        result = by_number.get(item.number)
        if result is None:
            order_number_result(
                provider=order.provider,
                number=item.number,
                succeeded=False,
                provider_order_id=provider_order_id,
                reason="The provider's order did not include this number.",
            )
        elif result.state in (OrderState.SUCCESS, OrderState.FAILED):
            order_number_result(
                provider=order.provider,
                number=item.number,
                succeeded=result.state == OrderState.SUCCESS,
                provider_order_id=provider_order_id,
                provider_phone_number_id=result.provider_phone_number_id,
                reason=result.error,
            )


def _fail_unsent(order: NumberOrder, reason: str) -> None:
    for item in _unsent(order).select_related("phone_number"):
        with transaction.atomic():
            if item.phone_number_id:
                from phonenumbers_app.services.provider_sync import (
                    phone_number_provisioning_finished,
                )

                phone_number_provisioning_finished(
                    phone_number=item.phone_number, succeeded=False, reason=reason
                )
            item.status = NumberOrderItem.Status.FAILED
            item.error = reason
            item.updated_at = timezone.now()
            item.save(update_fields=["status", "error", "updated_at"])


def items_catch_up(order: NumberOrder) -> int:
    """Items still Ordered whose number has left Provisioning already (a webhook that
    came before the provider's order id was recorded): the item follows its number.
    Returns how many changed."""
    changed = 0
    items = order.items.filter(
        status=NumberOrderItem.Status.ORDERED, phone_number__isnull=False
    ).exclude(phone_number__status=PhoneNumberStatus.PROVISIONING)
    for item in items.select_related("phone_number"):
        number = item.phone_number
        with transaction.atomic():
            if number.status == PhoneNumberStatus.ACTIVE:
                item.status = NumberOrderItem.Status.ACTIVE
            else:
                item.status = NumberOrderItem.Status.FAILED
                item.error = number.provider_error or f"The number is {number.status}."
            item.updated_at = timezone.now()
            item.save(update_fields=["status", "error", "updated_at"])
            order_settle(order.pk)
        changed += 1
    return changed


def order_poll(order: NumberOrder) -> int:
    """Ask the provider how the order's waiting numbers ended; each answer lands like a
    webhook's. Returns how many numbers changed."""
    try:
        provider = accounts.get(order.provider)
    except ProviderNotConfigured:
        return 0
    changed = items_catch_up(order)
    order_ids = (
        order.items.filter(status=NumberOrderItem.Status.ORDERED)
        .exclude(provider_order_id="")
        .values_list("provider_order_id", flat=True)
        .distinct()
    )
    for provider_order_id in list(order_ids):
        status = provider.order_status(provider_order_id)
        for result in status.numbers:
            if result.state == OrderState.PENDING:
                continue
            changed += order_number_result(
                provider=order.provider,
                number=result.number,
                succeeded=result.state == OrderState.SUCCESS,
                provider_order_id=provider_order_id,
                provider_phone_number_id=result.provider_phone_number_id,
                reason=result.error,
            )
    with transaction.atomic():
        order_settle(order.pk)
    return changed


def orders_waiting_too_long(now=None):
    now = now or timezone.now()
    return NumberOrder.objects.filter(
        status=NumberOrder.Status.WAITING, created_at__lte=now - POLL_AFTER
    )


def order_give_up(order_id: uuid.UUID | str, reason: str) -> None:
    """The provider kept failing: what was not ordered fails with `reason`; what was
    ordered still waits for the provider."""
    order = NumberOrder.objects.get(pk=order_id)
    _fail_unsent(order, reason)
    _note(order, f"Gave up asking the provider: {reason}")
    items_catch_up(order)
    with transaction.atomic():
        NumberOrder.objects.filter(pk=order.pk).update(status=NumberOrder.Status.WAITING)
        order_settle(order.pk)
