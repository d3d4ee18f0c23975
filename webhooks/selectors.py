"""Reads of webhook endpoints and deliveries, with the tenancy rule in one place: staff
see every endpoint (global ones included); anyone else, their businesses' endpoints
only, and anything else is answered as if it did not exist."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import User
from businesses.selectors import business_ids_of
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, user: User) -> QuerySet[WebhookEndpoint]:
    endpoints = WebhookEndpoint.objects.order_by("created_at", "id")
    if user.is_staff:
        return endpoints
    return endpoints.filter(business_id__in=business_ids_of(user=user))


def endpoint_get(*, user: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """Raises WebhookEndpoint.DoesNotExist for a missing or someone else's endpoint."""
    return endpoint_list(user=user).get(pk=endpoint_id)


def delivery_list(
    *, endpoint: WebhookEndpoint, state: str | None = None
) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries, newest first (webhook_delivery_endpoint_idx)."""
    deliveries = (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("message")
        .order_by("-created_at", "-id")
    )
    if state:
        deliveries = deliveries.filter(state=state)
    return deliveries


def delivery_get(*, endpoint: WebhookEndpoint, delivery_id: uuid.UUID) -> WebhookDelivery:
    return delivery_list(endpoint=endpoint).get(pk=delivery_id)


def delivery_attempts(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(delivery.attempt_log.order_by("attempted_at", "id"))
