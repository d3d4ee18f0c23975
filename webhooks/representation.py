"""Endpoints and deliveries as the API returns them (camelCase; the secret never, except
in the answer that made it: webhooks/api)."""

from __future__ import annotations

import json
from typing import Any

from phonenumbers_app.api.representation import _time
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def endpoint_representation(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.id),
        "businessId": _str(endpoint.business_id),
        "url": endpoint.url,
        "description": endpoint.description,
        "eventTypes": endpoint.event_types,
        "enabled": endpoint.enabled,
        "disabledAt": _time(endpoint.disabled_at),
        "disabledReason": endpoint.disabled_reason or None,
        "failureStreak": endpoint.failure_streak,
        "failingSince": _time(endpoint.failing_since),
        "previousSecretExpiresAt": _time(
            endpoint.previous_secret_expires_at if endpoint.previous_secret else None
        ),
        "createdAt": _time(endpoint.created_at),
        "modifiedAt": _time(endpoint.modified_at),
    }


def delivery_representation(
    delivery: WebhookDelivery, *, with_attempts: list[WebhookAttempt] | None = None
) -> dict[str, Any]:
    """A delivery (its message loaded); with its message's payload and attempts when
    `with_attempts` is given (the detail)."""
    message = delivery.message
    data: dict[str, Any] = {
        "id": str(delivery.id),
        "endpointId": str(delivery.endpoint_id),
        "webhookId": message.webhook_id,
        "eventType": message.event_type,
        "phoneNumberId": _str(message.phone_number_id),
        "state": delivery.state,
        "attempts": delivery.attempts,
        "lastAttemptAt": _time(delivery.last_attempt_at),
        "lastStatusCode": delivery.last_status_code,
        "lastLatencyMs": delivery.last_latency_ms,
        "lastError": delivery.last_error or None,
        "nextAttemptAt": _time(
            delivery.next_attempt_at if delivery.state == delivery.State.PENDING else None
        ),
        "succeededAt": _time(delivery.succeeded_at),
        "createdAt": _time(delivery.created_at),
    }
    if with_attempts is not None:
        data["payload"] = json.loads(message.body)
        data["attemptLog"] = [attempt_representation(a) for a in with_attempts]
    return data


def attempt_representation(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "attemptedAt": _time(attempt.attempted_at),
        "statusCode": attempt.status_code,
        "latencyMs": attempt.latency_ms,
        "error": attempt.error or None,
        "responseBody": attempt.response_body or None,
    }
