"""The contract's response shapes for phone numbers (camelCase, as published)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.serializers import IntegerStringField
from phonenumbers_app.api.representation import event_change_list, phone_number_representation
from phonenumbers_app.api.table_rows import table_row_representation
from phonenumbers_app.number_rows import as_row, row_of
from phonenumbers_app.readiness import READINESS_COLUMNS, readiness
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState


@extend_schema_serializer(component_name="BusinessRef")
class RefOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="UserRef")
class UserRefOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(source="display_name")


@extend_schema_serializer(component_name="Capabilities")
class CapabilitiesOutput(serializers.Serializer):
    sms = serializers.BooleanField(source="capability_sms")
    voice = serializers.BooleanField(source="capability_voice")
    warmup = serializers.BooleanField(source="capability_warmup")
    testing = serializers.BooleanField(source="capability_testing")


@extend_schema_serializer(component_name="Routing")
class RoutingOutput(serializers.Serializer):
    smsEnabled = serializers.BooleanField(source="routing_sms_enabled")
    voiceEnabled = serializers.BooleanField(source="routing_voice_enabled")
    warmupOnly = serializers.BooleanField(source="routing_warmup_only")
    internalTestOnly = serializers.BooleanField(source="routing_internal_test_only")
    teamId = serializers.CharField(source="team_id", allow_null=True)
    sourceId = serializers.CharField(source="source_id", allow_null=True)
    campaignId = serializers.CharField(source="campaign_id", allow_null=True)
    messagingProfileId = serializers.CharField(
        source="routing_messaging_profile_id", allow_null=True
    )
    voiceConnectionId = serializers.CharField(source="routing_voice_connection_id", allow_null=True)
    tenDlcApplicationId = serializers.CharField(
        source="routing_ten_dlc_application_id",
        allow_null=True,
        help_text="The 10DLC application (the seed's published document).",
    )


@extend_schema_serializer(component_name="TenDlc")
class TenDlcOutput(serializers.Serializer):
    brandId = serializers.CharField(source="brand_id", allow_null=True)
    campaignId = serializers.CharField(source="campaign_id", allow_null=True)
    campaignStatus = serializers.CharField(source="campaign_status", allow_null=True)
    assignmentStatus = serializers.CharField(source="assignment_status", allow_null=True)
    messagingProfileId = serializers.CharField(source="messaging_profile_id", allow_null=True)
    statusUpdatedAt = serializers.DateTimeField(source="status_updated_at", allow_null=True)
    failureReason = serializers.CharField(source="failure_reason", allow_null=True)
    lastProviderEventId = serializers.CharField(source="last_provider_event_id", allow_null=True)


@extend_schema_serializer(component_name="Billing")
class BillingOutput(serializers.Serializer):
    businessId = serializers.CharField(source="business_id", allow_null=True)
    businessName = serializers.CharField(source="business.name", allow_null=True)
    userId = serializers.CharField(source="user_id", allow_null=True)
    userName = serializers.CharField(source="user.display_name", allow_null=True)
    subscriptionItemId = serializers.CharField(source="subscription_item_id", allow_null=True)
    monthlyAmount = serializers.DecimalField(
        source="monthly_amount",
        max_digits=10,
        decimal_places=2,
        coerce_to_string=True,
        allow_null=True,
    )
    channel = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="Location")
class LocationOutput(serializers.Serializer):
    location = serializers.CharField(source="location_description", allow_null=True)
    state = serializers.CharField(source="location_state", allow_null=True)
    countryCode = serializers.CharField(source="location_country_code", allow_null=True)


@extend_schema_serializer(component_name="PhoneNumberEventChange")
class PhoneNumberEventChangeOutput(serializers.Serializer):
    """One field an event changed."""

    field = serializers.CharField(
        help_text="The field's name as the phone number's representation spells it, "
        "e.g. `name`, `tenDlc.campaignStatus` (also `warmupPlan`, `warmup.planDay`, "
        "`warmup.pacingStatus`)."
    )
    # Any JSON value, null included (a nullable JSONField's schema would be a oneOf
    # that null matches twice).
    before = serializers.JSONField(help_text="Its value before, as the API writes it; null: none.")
    after = serializers.JSONField(help_text="Its value after, as the API writes it; null: none.")


@extend_schema_serializer(component_name="PhoneNumberEvent")
class PhoneNumberEventOutput(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.CharField()
    title = serializers.CharField()
    details = serializers.CharField(allow_null=True)
    actorId = serializers.CharField(source="actor_id", allow_null=True)
    actorName = serializers.CharField(source="actor_name", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")


@extend_schema_serializer(component_name="PhoneNumberEventWithChanges")
class PhoneNumberEventWithChangesOutput(PhoneNumberEventOutput):
    """An event of `GET /phone-numbers/{id}/events`: with its values. (The number's own
    `events` keep the published contract's shape, which has no room for them.)"""

    changes = serializers.SerializerMethodField(
        help_text="What the event changed, field by field, before → after (a creation "
        "has no before: null). A key without a staff key sees only fields of the number "
        "it may read, and no staff member's user id."
    )

    @extend_schema_field(PhoneNumberEventChangeOutput(many=True))
    def get_changes(self, event) -> list[dict[str, Any]]:
        return event_change_list(event)


READINESS_STATES = ["Not Started", "In Progress", "Paused", "Blocked", "Ready"]
READINESS_HEALTH_STATES = ["Not Evaluated", "Evaluating", "Healthy", "Needs Attention", "Blocked"]


@extend_schema_serializer(component_name="PhoneNumberReadiness")
class PhoneNumberReadinessOutput(serializers.Serializer):
    """Messaging and calling warmup of a number, as the seed product's published document
    has it (phonenumbers_app/readiness.py maps ours to its vocabularies)."""

    enabled = serializers.BooleanField()
    state = serializers.ChoiceField(choices=READINESS_STATES)
    healthStatus = serializers.ChoiceField(choices=READINESS_HEALTH_STATES)
    healthScore = serializers.IntegerField()
    progressPercent = serializers.IntegerField()
    callStage = serializers.ChoiceField(
        choices=["Stage 0", "Stage 1", "Stage 2", "Stage 3", "Stage 4"],
        help_text="Voice warmup stages are not tracked here: always Stage 0.",
    )

    def to_representation(self, instance):
        # A number (or its row): the fields are the mapping's, not attributes.
        if not isinstance(instance, Mapping):
            instance = {column: getattr(instance, column) for column in READINESS_COLUMNS}
        return readiness(instance)


@extend_schema_serializer(component_name="PhoneNumber")
class PhoneNumberOutput(serializers.Serializer):
    """A phone number: owner, provider, capabilities, routing, 10DLC, billing, location,
    state, warmup, and its most recent events (newest first, at most 20)."""

    # Expects a PhoneNumber from selectors.phone_number_get (its joins and
    # `recent_events`), so rendering runs no query of its own. Lists' serializers
    # take the rows of selectors.phone_number_page_rows (or a PhoneNumber).

    number = serializers.CharField()
    phoneIdentityId = serializers.CharField(
        source="phone_identity_id",
        allow_null=True,
        help_text="The number's canonical identity at the provider (the seed's published "
        "document); null until known.",
    )
    organization = RefOutput(
        source="business",
        allow_null=True,
        help_text="The business, as the seed's published document names it: same as business.",
    )
    business = RefOutput(allow_null=True)
    user = UserRefOutput(allow_null=True)
    teamId = serializers.CharField(source="team_id", allow_null=True)
    campaignId = serializers.CharField(source="campaign_id", allow_null=True)
    sourceId = serializers.CharField(source="source_id", allow_null=True)
    leadpingOwned = serializers.BooleanField(source="leadping_owned")
    provider = serializers.CharField(allow_null=True)
    providerPhoneNumberId = serializers.CharField(
        source="provider_phone_number_id", allow_null=True
    )
    providerOrderId = serializers.CharField(source="provider_order_id", allow_null=True)
    providerOrderStatus = serializers.CharField(source="provider_order_status", allow_null=True)
    providerStatus = serializers.CharField(source="provider_status", allow_null=True)
    providerError = serializers.CharField(source="provider_error", allow_null=True)
    providerSyncedAt = serializers.DateTimeField(source="provider_synced_at", allow_null=True)
    providerReleasedAt = serializers.DateTimeField(source="provider_released_at", allow_null=True)
    inventoryState = serializers.ChoiceField(
        source="inventory_state", choices=InventoryState.choices
    )
    capabilities = CapabilitiesOutput(source="*")
    routing = RoutingOutput(source="*")
    tenDlc = TenDlcOutput(source="ten_dlc")
    billing = BillingOutput()
    isPreferred = serializers.BooleanField(source="is_preferred")
    isDefault = serializers.BooleanField(source="is_default")
    location = LocationOutput(source="*")
    status = serializers.ChoiceField(choices=PhoneNumberStatus.choices)
    enabled = serializers.BooleanField()
    isInternalPool = serializers.BooleanField(source="is_internal_pool")
    isApprovedTestDestination = serializers.BooleanField(source="is_approved_test_destination")
    isMessagingProgramApproved = serializers.BooleanField(source="is_messaging_program_approved")
    warmupEnabled = serializers.BooleanField(source="warmup_enabled")
    warmupState = serializers.ChoiceField(
        source="warmup_state", choices=WarmupHealthState.choices, allow_null=True
    )
    healthStatus = serializers.ChoiceField(
        source="health_status", choices=WarmupHealthState.choices, allow_null=True
    )
    # Integer metrics travel as integer strings, as in the published contract.
    warmupHealthScore = IntegerStringField(source="warmup_health_score")
    warmupProgressPercent = IntegerStringField(source="warmup_progress_percent")
    warmupNextActionAt = serializers.DateTimeField(source="warmup_next_action_at", allow_null=True)
    warmupPauseReason = serializers.CharField(source="warmup_pause_reason", allow_null=True)
    healthReason = serializers.CharField(source="health_reason", allow_null=True)
    warmup = PhoneNumberReadinessOutput(
        source="*", help_text="The warmup as the seed's published document has it."
    )
    events = PhoneNumberEventOutput(source="recent_events", many=True)
    name = serializers.CharField()
    id = serializers.CharField()
    createdAt = serializers.DateTimeField(source="created_at")
    modifiedAt = serializers.DateTimeField(source="modified_at", allow_null=True)

    def to_representation(self, instance):
        return phone_number_representation(row_of(instance), events=instance.recent_events)


@extend_schema_serializer(component_name="PhoneNumberSummary")
class PhoneNumberSummaryOutput(PhoneNumberOutput):
    """A number as lists show it: the full representation without `events`."""

    events = None

    def to_representation(self, instance):
        return phone_number_representation(as_row(instance))


@extend_schema_serializer(component_name="Warmup")
class WarmupOutput(serializers.Serializer):
    """`GET /phone-numbers/{id}/warmup`: warmup status and what can be done about it."""

    warmupEnabled = serializers.BooleanField(source="warmup_enabled")
    warmupState = serializers.ChoiceField(
        source="warmup_state", choices=WarmupHealthState.choices, allow_null=True
    )
    healthStatus = serializers.ChoiceField(
        source="health_status", choices=WarmupHealthState.choices, allow_null=True
    )
    warmupHealthScore = IntegerStringField(source="warmup_health_score")
    warmupProgressPercent = IntegerStringField(source="warmup_progress_percent")
    warmupNextActionAt = serializers.DateTimeField(source="warmup_next_action_at", allow_null=True)
    warmupPauseReason = serializers.CharField(source="warmup_pause_reason", allow_null=True)
    healthReason = serializers.CharField(source="health_reason", allow_null=True)
    canPause = serializers.BooleanField(source="can_pause")
    canResume = serializers.BooleanField(source="can_resume")
    events = PhoneNumberEventOutput(source="warmup_events", many=True)


@extend_schema_serializer(component_name="PhoneNumberTableRow")
class PhoneNumberTableRowOutput(serializers.Serializer):
    """A number as the seed product's list shows it (`POST /phone-numbers/all/organization`)."""

    id = serializers.CharField()
    name = serializers.CharField()
    number = serializers.CharField()
    type = serializers.ChoiceField(choices=["Local", "TollFree"])
    organization = serializers.CharField(help_text="The business's name; empty in the pool.")
    organizationId = serializers.CharField(allow_null=True, help_text="The business's id.")
    enabled = serializers.BooleanField()
    warmup = PhoneNumberReadinessOutput()
    ownership = serializers.ChoiceField(choices=["Leadping-owned", "Customer-owned"])
    routingSummary = serializers.CharField()
    smsReady = serializers.BooleanField(help_text="Enabled and Ready for SMS.")
    voiceReady = serializers.BooleanField(help_text="Enabled and Ready for SMS or for voice.")
    tenDlcCampaignStatus = serializers.CharField(allow_null=True)

    def to_representation(self, instance):
        return table_row_representation(as_row(instance))


@extend_schema_serializer(component_name="PagedResultOfPhoneNumberTableRow")
class PhoneNumberTableRowPageOutput(serializers.Serializer):
    items = PhoneNumberTableRowOutput(many=True)
    pageSize = serializers.IntegerField()
    totalCount = serializers.IntegerField(
        allow_null=True, help_text="Null unless the request says includeCount: true."
    )
    continuationToken = serializers.CharField(
        allow_null=True, help_text="Pass back to get the next page; null on the last page."
    )
