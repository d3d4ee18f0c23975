"""Reads of webhook endpoints and deliveries, with the tenancy rule in one place: staff
see every endpoint (global ones included); anyone else, their businesses' endpoints
only, and anything else is answered as if it did not exist."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from businesses.selectors import business_ids_of
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
)


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
    """An endpoint's deliveries, newest first (webhook_delivery_endpoint_idx), with
    their messages but not their bodies (a list shows none; a page of 50 would read
    about 150 KB of them)."""
    deliveries = _with_messages(WebhookDelivery.objects.filter(endpoint=endpoint)).defer(
        "message__body"
    )
    if state:
        deliveries = deliveries.filter(state=state)
    return deliveries.order_by("-created_at", "-id")


def delivery_get(*, endpoint: WebhookEndpoint, delivery_id: uuid.UUID) -> WebhookDelivery:
    """One of the endpoint's deliveries, with its message's body."""
    return _with_messages(WebhookDelivery.objects.filter(endpoint=endpoint)).get(pk=delivery_id)


def _with_messages(deliveries: QuerySet[WebhookDelivery]) -> QuerySet[WebhookDelivery]:
    return deliveries.select_related("message")


def delivery_attempts(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(delivery.attempt_log.order_by("attempted_at", "id"))


# --- The operators' pages (/ops) and the admin -----------------------------------------
# Staff only: the doors check that before calling these.

DELIVERIES_PER_PAGE = 50
# Cursors count microseconds from here in integers (a float would round some away).
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def endpoint_overview(
    *, business_id: uuid.UUID | None = None, only_global: bool = False, enabled: bool | None = None
) -> QuerySet[WebhookEndpoint]:
    """Endpoints for the operators' lists: global ones first, then by business name, each
    with its latest delivery's state and time (`last_state`, `last_at`: one indexed look-up
    per endpoint, webhook_delivery_endpoint_idx, however many deliveries it has)."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-id")
    endpoints = (
        WebhookEndpoint.objects.select_related("business")
        .annotate(
            last_state=Subquery(latest.values("state")[:1]),
            last_at=Subquery(latest.values("created_at")[:1]),
            last_status_code=Subquery(latest.values("last_status_code")[:1]),
        )
        .order_by(F("business__name").asc(nulls_first=True), "business_id", "created_at", "id")
    )
    if only_global:
        endpoints = endpoints.filter(business__isnull=True)
    elif business_id is not None:
        endpoints = endpoints.filter(business_id=business_id)
    if enabled is not None:
        endpoints = endpoints.filter(enabled=enabled)
    return endpoints


@dataclass(frozen=True)
class DeliveryPage:
    """A page of an endpoint's deliveries, newest first, and cursors to the pages beside
    it (None: there is none that way)."""

    rows: list[WebhookDelivery]
    newer: str | None
    older: str | None


def cursor_of(delivery: WebhookDelivery) -> str:
    """A position in an endpoint's deliveries: its creation time (µs) and id."""
    micros = (delivery.created_at - EPOCH) // MICROSECOND
    return f"{micros}.{delivery.id.hex}"


def cursor_parse(text: str | None) -> tuple[datetime.datetime, uuid.UUID] | None:
    """A cursor's (time, id); None for none or for one that is not ours (first page)."""
    if not text:
        return None
    micros, _, hex_id = text.partition(".")
    try:
        at = EPOCH + int(micros) * MICROSECOND
        return at, uuid.UUID(hex=hex_id)
    except (ValueError, OverflowError, OSError):
        return None


def delivery_page(
    *,
    endpoint: WebhookEndpoint,
    state: str | None = None,
    older_than: str | None = None,
    newer_than: str | None = None,
    size: int = DELIVERIES_PER_PAGE,
) -> DeliveryPage:
    """One page of the endpoint's deliveries (newest first), read off
    webhook_delivery_endpoint_idx from a cursor rather than counted off with OFFSET, so
    the thousandth page costs what the first does."""
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("message")
    if state:
        deliveries = deliveries.filter(state=state)
    newer = cursor_parse(newer_than)
    older = cursor_parse(older_than) if newer is None else None
    if newer is not None:
        at, id = newer
        # The `created_at >= at` bound lets the index start at the cursor; the OR breaks
        # ties at the same microsecond by id.
        rows = list(
            deliveries.filter(created_at__gte=at)
            .filter(Q(created_at__gt=at) | Q(id__gt=id))
            .order_by("created_at", "id")[: size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return DeliveryPage(
            rows=rows,
            newer=cursor_of(rows[0]) if rows and more_newer else None,
            older=cursor_of(rows[-1]) if rows else None,
        )
    if older is not None:
        at, id = older
        deliveries = deliveries.filter(created_at__lte=at).filter(
            Q(created_at__lt=at) | Q(id__lt=id)
        )
    rows = list(deliveries.order_by("-created_at", "-id")[: size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return DeliveryPage(
        rows=rows,
        newer=cursor_of(rows[0]) if rows and older is not None else None,
        older=cursor_of(rows[-1]) if rows and more_older else None,
    )


def delivery_state_counts(*, endpoint: WebhookEndpoint) -> dict[str, int]:
    """How many of the endpoint's deliveries are in each state (every state named)."""
    counts = dict(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in WebhookDelivery.State.values}


def endpoint_history(*, endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookEndpointEvent]:
    """What happened to the endpoint, newest first."""
    return list(
        WebhookEndpointEvent.objects.filter(endpoint=endpoint)
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
