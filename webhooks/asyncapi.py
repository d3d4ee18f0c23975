"""The published catalog of the events we send: an AsyncAPI 3.0.0 document.

Served at /asyncapi.json. The payloads' shapes come from the serializers that declare
the API's own (PhoneNumberSummary is the number as GET /phone-numbers returns it,
WebhookEndpoint, WebhookChange), turned into JSON Schema by drf-spectacular's generator
with the OpenAPI document's settings, so the catalog and the API cannot drift apart.
Its examples are real payloads: built by the outbox's `body_text` from
`services.sample_data`, and signed as the delivery signs.

The document is built once per process (`document()`): it depends only on the code and
the settings.
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import uuid
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from rest_framework.views import APIView

from core.openapi import ApiAutoSchema
from phonenumbers_app.api.serializers import PhoneNumberSummaryOutput
from webhooks import catalog, outbox
from webhooks.api.serializers import (
    ChangeOutput,
    PhoneNumberReferenceOutput,
    WebhookEndpointOutput,
)
from webhooks.secrets import signature_header

ASYNCAPI_VERSION = "3.0.0"
SCHEMAS = "#/components/schemas/"
# The shapes payloads are made of, by their OpenAPI component names.
SERIALIZERS = (
    PhoneNumberSummaryOutput,
    PhoneNumberReferenceOutput,
    WebhookEndpointOutput,
    ChangeOutput,
)
NUMBER = SCHEMAS + "PhoneNumberSummary"
REFERENCE = SCHEMAS + "PhoneNumberReference"
ENDPOINT = SCHEMAS + "WebhookEndpoint"
CHANGE = SCHEMAS + "WebhookChange"
HEADERS = SCHEMAS + "WebhookHeaders"
# Events whose number has, by the time they are written, left the business they concern:
# the outbox sends its reference only (outbox._data). Every other event of a number is
# written while the business it concerns owns the number, so it carries the whole number.
REFERENCE_ONLY = frozenset({catalog.UNASSIGNED})
# Examples are signed with this published secret, so a receiver's verification can be
# tried on them. Never configured on an endpoint: the server generates those.
EXAMPLE_SECRET = "whsec_" + base64.b64encode(b"example-secret-never-used-32byte").decode()
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"
SIGNATURE_PATTERN = r"^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$"


# drf-spectacular's generator keeps state in globals: one build at a time.
_BUILDING = threading.Lock()


def document() -> dict[str, Any]:
    """The AsyncAPI document (JSON types only), built once per process."""
    with _BUILDING:
        return _document()


@cache
def _document() -> dict[str, Any]:
    return build()


@cache
def document_json() -> bytes:
    """The document as served (UTF-8 JSON)."""
    return json.dumps(document(), ensure_ascii=False).encode()


def build() -> dict[str, Any]:
    schemas = {
        **shared_schemas(),
        "WebhookHeaders": headers_schema(),
        **{payload_name(t): payload_schema(t) for t in catalog.EVENT_TYPES},
    }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Phone-number inventory webhooks",
            "version": spectacular_settings.VERSION,
            "description": description(),
        },
        "defaultContentType": "application/json",
        "channels": {t: channel(t) for t in catalog.EVENT_TYPES},
        "operations": {t: operation(t) for t in catalog.EVENT_TYPES},
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": {t: message(t) for t in catalog.EVENT_TYPES},
        },
    }


# --- shapes --------------------------------------------------------------------------


class _ShapesGenerator(SchemaGenerator):
    """drf-spectacular's generator with no paths: only our serializers' components,
    resolved and post-processed (enums, ENUM_NAME_OVERRIDES) as for /openapi.json."""

    def parse(self, request: Any, public: bool) -> dict:
        auto = ApiAutoSchema()
        auto.registry = self.registry
        auto.method, auto.path = "POST", "/asyncapi.json"
        auto.view = _shapes_view()
        for serializer in SERIALIZERS:
            auto.resolve_serializer(serializer, "response")
        return {}


def _shapes_view() -> APIView:
    # The resolver asks the view for a serializer context; nothing of it is used.
    view = APIView()
    view.request, view.args, view.kwargs, view.format_kwarg = None, (), {}, None
    return view


def shared_schemas() -> dict[str, Any]:
    """The serializers' components (and the enums and parts they refer to)."""
    result = _ShapesGenerator().get_schema(request=None, public=True)
    schemas = json.loads(OpenApiJsonRenderer().render(result))["components"]["schemas"]
    # The reduced form is closed: that is what tells it from a whole number.
    schemas["PhoneNumberReference"]["additionalProperties"] = False
    return schemas


def headers_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "Standard Webhooks headers (https://www.standardwebhooks.com).",
        "properties": {
            "webhook-id": {
                "type": "string",
                "pattern": r"^msg_[0-9a-f]{32}$",
                "description": "The message's id: the same on every attempt (retries, "
                "“send again”) and to every endpoint. Deduplicate on it.",
            },
            "webhook-timestamp": {
                "type": "string",
                "pattern": r"^[0-9]+$",
                "description": "When this attempt was signed, in Unix seconds. Refuse a "
                "timestamp far from your clock (the libraries allow 5 minutes) to stop "
                "replays.",
            },
            "webhook-signature": {
                "type": "string",
                "pattern": SIGNATURE_PATTERN,
                "description": "`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-"
                "timestamp}.{body}` keyed with the base64-decoded part of the endpoint's "
                "secret after `whsec_`. While a rotated secret's grace period lasts, two "
                "signatures separated by a space: accept the message if either matches.",
            },
            "content-type": {"type": "string", "const": "application/json"},
        },
        "required": ["webhook-id", "webhook-timestamp", "webhook-signature", "content-type"],
    }


def payload_name(event_type: str) -> str:
    """phone_number.warmup.paused → PhoneNumberWarmupPausedEvent."""
    words = event_type.replace(".", "_").split("_")
    return "".join(word.capitalize() for word in words) + "Event"


def data_schema(event_type: str) -> dict[str, Any]:
    if event_type == catalog.ENDPOINT_DISABLED:
        return {"$ref": ENDPOINT}
    if event_type in REFERENCE_ONLY:
        return {"$ref": REFERENCE}
    return {"$ref": NUMBER}


def payload_schema(event_type: str) -> dict[str, Any]:
    changes: dict[str, Any] = {
        "type": "array",
        "items": {"$ref": CHANGE},
        "description": "What the change did, field by field (the API's field names), as "
        "the number's history records it. The business's own view: never another "
        "owner's values.",
    }
    if event_type == catalog.ENDPOINT_DISABLED:
        changes = {**changes, "maxItems": 0, "description": "Always empty for this event."}
    return {
        "type": "object",
        "description": catalog.EVENT_TYPES[event_type],
        "properties": {
            "type": {"type": "string", "const": event_type},
            "timestamp": {
                "type": "string",
                "format": "date-time",
                "pattern": TIMESTAMP_PATTERN,
                "description": "When the change happened (UTC, milliseconds).",
            },
            "data": {**data_schema(event_type), "description": _data_description(event_type)},
            "changes": changes,
        },
        "required": ["type", "timestamp", "data", "changes"],
    }


def _data_description(event_type: str) -> str:
    if event_type == catalog.ENDPOINT_DISABLED:
        return "The endpoint that was disabled, as GET /webhook-endpoints/{id} returns it."
    if event_type in REFERENCE_ONLY:
        return "The number's id and E.164 number only: it is no longer the business's."
    return (
        "The number as the API returns it to the endpoint's owner (GET /phone-numbers/{id} "
        "without `events`), as it stood once the change was made."
    )


# --- channels, operations, messages -----------------------------------------------------


def channel(event_type: str) -> dict[str, Any]:
    return {
        # The address is the URL each endpoint registers (POST /webhook-endpoints).
        "address": None,
        "title": event_type,
        "description": catalog.EVENT_TYPES[event_type],
        "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
    }


def operation(event_type: str) -> dict[str, Any]:
    return {
        "action": "send",
        "title": f"Send {event_type}",
        "summary": "POSTed to every enabled endpoint that subscribes to it (eventTypes), "
        "of the business it concerns, and to global endpoints.",
        "channel": {"$ref": f"#/channels/{event_type}"},
        "messages": [{"$ref": f"#/channels/{event_type}/messages/{event_type}"}],
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
    }


def message(event_type: str) -> dict[str, Any]:
    return {
        "name": event_type,
        "title": event_type,
        "summary": catalog.EVENT_TYPES[event_type],
        "contentType": "application/json",
        "headers": {"$ref": HEADERS},
        "payload": {"$ref": SCHEMAS + payload_name(event_type)},
        "examples": [example(event_type)],
    }


def example(event_type: str) -> dict[str, Any]:
    """A real payload of the type (the outbox's body of services.sample_data), signed
    with EXAMPLE_SECRET as the delivery signs."""
    from webhooks.services import sample_data

    at = timezone.now().replace(microsecond=0)
    endpoint = example_endpoint(at)
    body = outbox.body_text(event_type, at, sample_data(event_type, endpoint), [])
    webhook_id = f"msg_{uuid.uuid4().hex}"
    return {
        "name": payload_name(event_type),
        "summary": f"Signed with {EXAMPLE_SECRET}.",
        "headers": {
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": signature_header(
                secrets=[EXAMPLE_SECRET], webhook_id=webhook_id, timestamp=at, body=body
            ),
            "content-type": "application/json",
        },
        "payload": json.loads(body),
    }


def example_endpoint(at: datetime.datetime):
    """A made-up endpoint, as one disabled after failing for three days."""
    from webhooks.models import WebhookEndpoint
    from webhooks.services import disabled_reason

    since = at - datetime.timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    failures = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    return WebhookEndpoint(
        url="https://example.com/webhooks",
        description="Example endpoint",
        enabled=False,
        failure_streak=failures,
        failing_since=since,
        disabled_at=at,
        disabled_reason=disabled_reason(failures, since, at),
        created_at=since - datetime.timedelta(days=30),
        modified_at=at,
    )


# --- the words -----------------------------------------------------------------------------


def description() -> str:
    from webhooks.delivery import retry_delays

    delays = list(retry_delays())
    total_hours = sum(delays) / 3600
    disable_days = settings.WEBHOOK_DISABLE_AFTER_SECONDS / 86400
    return f"""\
The events this service POSTs to the webhook endpoints you register
(`POST /webhook-endpoints`; the REST API is described at `/openapi.json` and `/docs`).

**Payload.** A JSON object: `type` (one of the channels below), `timestamp` (when the
change happened, ISO 8601 UTC with milliseconds), `data` (the number as the API returns
it to the endpoint's owner; for `webhook_endpoint.disabled`, the endpoint) and
`changes` (`field`, `before`, `after` of each changed field). A business's endpoints
hear only of its own numbers, and never of a number's previous or next owner; global
endpoints (staff) hear of every business.

**Signing** follows Standard Webhooks (https://www.standardwebhooks.com): headers
`webhook-id`, `webhook-timestamp`, `webhook-signature`. Verify with any Standard
Webhooks library, e.g. in Python `Webhook(secret).verify(body, headers)` with the
endpoint's `whsec_…` secret, on the raw body before parsing it. The examples here are
signed with `{EXAMPLE_SECRET}`.

**Delivery.** Answer 2xx within {settings.WEBHOOK_TIMEOUT_SECONDS} s; redirects are not
followed. Anything else is tried again {len(delays)} times, with growing delays (from
{delays[0]} s to {delays[-1] // 3600} h, about {total_hours / 24:.1f} days in all), with
the same `webhook-id` each time: deduplicate on it. Events may arrive out of order;
order them by `timestamp`. An endpoint that fails {settings.WEBHOOK_DISABLE_AFTER_FAILURES}
attempts in a row over at least {disable_days:g} days is disabled, and its owner's
other endpoints get `webhook_endpoint.disabled`; enabling it again sends what waited.
"""
