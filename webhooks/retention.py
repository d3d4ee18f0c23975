"""Forgetting old webhook messages: settled ones older than WEBHOOK_RETENTION_DAYS go,
with their deliveries and attempts. A message with a delivery still pending stays, however
old (a parked delivery of a disabled endpoint waits for it to be enabled)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from webhooks.models import WebhookDelivery, WebhookMessage

PURGE_CHUNK = 1000


def messages_purge(*, now: datetime, chunk: int = PURGE_CHUNK) -> int:
    """Delete settled messages received before the retention window; returns how many."""
    cutoff = now - timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    pending = WebhookDelivery.objects.filter(
        message=OuterRef("pk"), state=WebhookDelivery.State.PENDING
    )
    old = (
        WebhookMessage.objects.filter(created_at__lt=cutoff)
        .exclude(Exists(pending))
        .order_by("created_at")
    )
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:chunk]):
        WebhookMessage.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted
