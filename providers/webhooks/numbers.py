"""What the providers' events say about our numbers: gone at the provider (deleted,
ported away) and their 10DLC registration. Every write goes through
phonenumbers_app/services/provider_sync.py (actor "Provider", one event per number).

A number is looked for among the numbers of the event's own provider only: an event of
one provider account never touches a number held at another.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.services.provider_sync import (
    phone_number_gone_at_provider,
    phone_number_provider_update,
)
from phonenumbers_app.vocabularies import InventoryState


def number_at(provider: str, *, number: str | None = None, provider_id: str | None = None):
    """The row a provider's event about `number` (E.164) or its `provider_id` means: the
    unreleased one, else the latest Released one whose release the provider has not
    confirmed yet (its deletion confirms it). None when we hold no such number."""
    if not number and not provider_id:
        return None
    match = Q(provider=provider)
    match &= Q(provider_phone_number_id=provider_id) if provider_id else Q(number=number)
    current = PhoneNumber.objects.not_released().filter(match).first()
    if current is not None:
        return current
    return (
        PhoneNumber.objects.filter(
            match, inventory_state=InventoryState.RELEASED, provider_released_at__isnull=True
        )
        .order_by("-modified_at")
        .first()
    )


def number_gone(
    provider: str,
    *,
    number: str | None,
    provider_id: str | None,
    provider_status: str,
    reason: str,
) -> PhoneNumber | None:
    """The provider no longer holds this number; returns the row it changed, if any."""
    row = number_at(provider, number=number, provider_id=provider_id)
    if row is None:
        return None
    changed = phone_number_gone_at_provider(
        phone_number=row, provider_status=provider_status, reason=reason
    )
    return row if changed else None


def ten_dlc_numbers(provider: str, **ten_dlc_match: Any):
    """Unreleased numbers of `provider` whose 10DLC row matches (campaign_id=..., brand_id=...)."""
    match = {f"ten_dlc__{field}": value for field, value in ten_dlc_match.items()}
    return PhoneNumber.objects.not_released().filter(provider=provider, **match).order_by("pk")


def ten_dlc_update(
    rows, *, values: dict[str, Any], event_id: str, at: datetime | None
) -> list[Any]:
    """Write `values` (TenDlc fields) on each number, one event each; returns the ids of
    those that changed."""
    changed = []
    ten_dlc = {**values, "last_provider_event_id": event_id, "status_updated_at": at}
    for row in rows:
        if phone_number_provider_update(phone_number=row, ten_dlc=ten_dlc):
            changed.append(row.pk)
    return changed
