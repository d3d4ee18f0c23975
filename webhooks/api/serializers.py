"""The shapes of webhook endpoints, deliveries and the events we send (camelCase).

Representations are built as dicts (webhooks/representation.py, webhooks/outbox.py);
these serializers declare them for the OpenAPI document and for the event catalog
(webhooks/asyncapi.py), so both are generated from one declaration. Tests compare real
answers and delivered payloads against the documents.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from webhooks import catalog
from webhooks.models import WebhookDelivery

EVENT_TYPE_CHOICES = [(t, t) for t in catalog.EVENT_TYPES]


@extend_schema_serializer(component_name="WebhookEndpoint")
class WebhookEndpointOutput(serializers.Serializer):
    id = serializers.UUIDField()
    businessId = serializers.UUIDField(
        allow_null=True, help_text="Whose numbers it hears about; null: every business (staff)."
    )
    url = serializers.URLField()
    description = serializers.CharField(allow_blank=True)
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES),
        allow_null=True,
        help_text="The event types it receives; null: all of them, including future ones.",
    )
    enabled = serializers.BooleanField()
    disabledAt = serializers.DateTimeField(
        allow_null=True, help_text="When it was disabled after failing for too long."
    )
    disabledReason = serializers.CharField(allow_null=True)
    failureStreak = serializers.IntegerField(help_text="Attempts failed in a row.")
    failingSince = serializers.DateTimeField(allow_null=True)
    previousSecretExpiresAt = serializers.DateTimeField(
        allow_null=True,
        help_text="After a rotation, the previous secret signs too until then.",
    )
    createdAt = serializers.DateTimeField()
    modifiedAt = serializers.DateTimeField()


@extend_schema_serializer(component_name="WebhookEndpointWithSecret")
class WebhookEndpointWithSecretOutput(WebhookEndpointOutput):
    secret = serializers.CharField(
        help_text="whsec_…: verifies our signatures. Shown only in this answer; keep it."
    )


@extend_schema_serializer(component_name="WebhookAttempt")
class WebhookAttemptOutput(serializers.Serializer):
    attemptedAt = serializers.DateTimeField()
    statusCode = serializers.IntegerField(allow_null=True)
    latencyMs = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    responseBody = serializers.CharField(
        allow_null=True, help_text="The first kilobyte of the receiver's answer."
    )


@extend_schema_serializer(component_name="WebhookDelivery")
class WebhookDeliveryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    endpointId = serializers.UUIDField()
    webhookId = serializers.CharField(
        help_text="The webhook-id header: the same on every attempt (deduplicate on it)."
    )
    eventType = serializers.ChoiceField(choices=EVENT_TYPE_CHOICES)
    phoneNumberId = serializers.UUIDField(allow_null=True)
    state = serializers.ChoiceField(choices=WebhookDelivery.State.choices)
    attempts = serializers.IntegerField()
    lastAttemptAt = serializers.DateTimeField(allow_null=True)
    lastStatusCode = serializers.IntegerField(allow_null=True)
    lastLatencyMs = serializers.IntegerField(allow_null=True)
    lastError = serializers.CharField(allow_null=True)
    nextAttemptAt = serializers.DateTimeField(
        allow_null=True, help_text="When it is tried next; null once settled (or parked)."
    )
    succeededAt = serializers.DateTimeField(allow_null=True)
    createdAt = serializers.DateTimeField()


@extend_schema_serializer(component_name="WebhookDeliveryDetail")
class WebhookDeliveryDetailOutput(WebhookDeliveryOutput):
    payload = serializers.JSONField(help_text="The body sent, parsed.")
    attemptLog = WebhookAttemptOutput(many=True)


@extend_schema_serializer(component_name="WebhookChange")
class ChangeOutput(serializers.Serializer):
    field = serializers.CharField(
        help_text="The API's name of the field, e.g. tenDlc.campaignStatus."
    )
    # Any JSON value, null included (a nullable JSONField's schema would be a oneOf
    # that null matches twice, so a change from or to null would not validate).
    before = serializers.JSONField(help_text="Its value before, as the API writes it; null: none.")
    after = serializers.JSONField(help_text="Its value after, as the API writes it; null: none.")


@extend_schema_serializer(component_name="PhoneNumberReference")
class PhoneNumberReferenceOutput(serializers.Serializer):
    """What an event says of a number that no longer belongs to the business the event
    concerns (webhooks/outbox.py number_reference): never its next owner's data."""

    id = serializers.CharField()
    number = serializers.CharField(help_text="E.164.")
