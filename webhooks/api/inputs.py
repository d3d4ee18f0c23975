"""Request bodies of the webhook-endpoint operations, held to JSON types.

They check shapes only (types, lengths, unknown fields); what a valid endpoint is (a
public https URL, known event types) is webhooks/services.py's to say, so the admin
and the pages hear the same rules.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictInputSerializer,
    StrictIntegerField,
    StrictUUIDField,
)
from webhooks import catalog
from webhooks.models import URL_MAX_LENGTH
from webhooks.services import DEFAULT_GRACE_SECONDS, DESCRIPTION_MAX_LENGTH, MAX_GRACE_SECONDS

EVENT_TYPE_MAX_LENGTH = 64


@extend_schema_field({"type": "string", "enum": list(catalog.EVENT_TYPES)})
class EventTypeField(StrictCharField):
    """An event type of the catalog. Documented as its enum; an unknown one is refused by
    the service, whose message points at the catalog (GET /asyncapi.json)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=EVENT_TYPE_MAX_LENGTH, **kwargs)


URL_HELP = "Where events are POSTed: a public https:// URL (no user name or password)."


@extend_schema_field(
    {"type": "string", "format": "uri", "pattern": "^https://", "maxLength": URL_MAX_LENGTH}
)
class EndpointUrlField(StrictCharField):
    """An endpoint's URL. Documented as production takes it (https only: a development
    server that allows local targets takes http:// too); the service checks the rest."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=URL_MAX_LENGTH, help_text=URL_HELP, **kwargs)


class _EndpointFields(StrictInputSerializer):
    url = EndpointUrlField()
    eventTypes = serializers.ListField(
        child=EventTypeField(),
        allow_null=True,
        allow_empty=False,
        min_length=1,
        required=False,
        help_text="The event types to receive; null (or left out on create): all of them, "
        "including types added later.",
    )
    description = StrictCharField(
        max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, required=False
    )
    enabled = StrictBooleanField(
        required=False, help_text="Disabled endpoints receive nothing; true again resumes."
    )


@extend_schema_serializer(component_name="WebhookEndpointCreate")
class WebhookEndpointCreateInput(_EndpointFields):
    businessId = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="Whose numbers it hears about. A key of exactly one business may leave it "
        "out. Null, or left out by a staff key: a global endpoint, which hears about every "
        "business's numbers (staff only).",
    )


@extend_schema_serializer(component_name="WebhookEndpointPatch")
class WebhookEndpointPatchInput(_EndpointFields):
    url = EndpointUrlField(required=False)


@extend_schema_serializer(component_name="WebhookSecretRotate")
class RotateSecretInput(StrictInputSerializer):
    graceSeconds = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_GRACE_SECONDS,
        help_text=f"How long the previous secret signs too (default {DEFAULT_GRACE_SECONDS}, "
        "a day; 0: it stops at once).",
    )


@extend_schema_serializer(component_name="WebhookTest")
class SendTestInput(StrictInputSerializer):
    eventType = EventTypeField(
        required=False,
        help_text="The sample event's type; by default the endpoint's first phone_number type.",
    )
