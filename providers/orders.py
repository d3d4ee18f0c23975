"""Buying numbers: an order's numbers enter the inventory as Provisioning and become
Active or FailedProvisioning when the provider says so.

`order_number_result` is the one place a provider's word on one ordered number lands,
whether it came by webhook (providers/webhooks), by asking the provider (an order's status),
or at once (a provider that sells synchronously).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.provider_sync import phone_number_provisioning_finished
from phonenumbers_app.vocabularies import InventoryState
from providers.models import NumberOrder, NumberOrderItem


def order_number_result(
    *,
    provider: str,
    number: str,
    succeeded: bool,
    provider_order_id: str | None = None,
    provider_phone_number_id: str | None = None,
    reason: str | None = None,
) -> bool:
    """The provider says how ordering `number` (E.164) ended. The number's row leaves
    Provisioning (phone_number_provisioning_finished), its order item follows, and the
    order completes when none of its items is left waiting. A repeated or late word
    changes nothing. Returns whether anything changed."""
    with transaction.atomic():
        phone_number = (
            PhoneNumber.objects.filter(provider=provider, number=number)
            .exclude(inventory_state=InventoryState.RELEASED)
            .first()
        )
        changed = False
        if phone_number is not None:
            changed = phone_number_provisioning_finished(
                phone_number=phone_number,
                succeeded=succeeded,
                provider_phone_number_id=provider_phone_number_id,
                reason=reason,
            )
        items = NumberOrderItem.objects.select_for_update().filter(
            number=number, status=NumberOrderItem.Status.ORDERED, order__provider=provider
        )
        if provider_order_id:
            items = items.filter(provider_order_id=provider_order_id)
        for item in items:
            item.status = (
                NumberOrderItem.Status.ACTIVE if succeeded else NumberOrderItem.Status.FAILED
            )
            item.error = "" if succeeded else (reason or "")
            if provider_phone_number_id:
                item.provider_phone_number_id = provider_phone_number_id
            item.updated_at = timezone.now()
            item.save(update_fields=["status", "error", "provider_phone_number_id", "updated_at"])
            order_settle(item.order_id)
            changed = True
        return changed


def order_settle(order_id) -> None:
    """Mark an order waiting for the provider completed once none of its items is
    left Ordered. Call in a transaction."""
    order = NumberOrder.objects.select_for_update().get(pk=order_id)
    if order.status != NumberOrder.Status.WAITING:
        return
    if order.items.filter(status=NumberOrderItem.Status.ORDERED).exists():
        return
    order.status = NumberOrder.Status.COMPLETED
    order.finished_at = timezone.now()
    order.save(update_fields=["status", "finished_at"])
