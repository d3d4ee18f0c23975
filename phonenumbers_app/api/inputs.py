"""Request bodies of the phone-number endpoints, held to the contract's JSON types.

Fields carry `source=` so that validated data comes out keyed by model field,
ready for the services; nested groups (`routing`, `capabilities`) flatten into
the number's own columns, `tenDlc` and `billing` stay apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import models
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.keyset import KeysetParams
from core.serializers import (
    IntegerStringField,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictInputSerializer,
    StrictIntegerField,
    StrictUUIDField,
)
from phonenumbers_app.field_ownership import STAFF, STAFF_ONLY_VALUES, owner_of
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from phonenumbers_app.services.events import api_name
from phonenumbers_app.vocabularies import InventoryState, PhoneNumberStatus, WarmupHealthState

MIRRORS_DIFFER = "{top} and routing.{nested} are the same field; they must not differ."

NUMBER_NULL = "Must be a string; omit number to claim one from the inventory pool."
ORGANIZATION_DIFFERS = (
    "organizationId is businessId under the seed product's other name; give one, or both equal."
)
ORGANIZATION_ID_HELP = (
    "businessId under the name the seed product's published phone-numbers document gives "
    "it, with the same rules; either may be sent (both: they must be equal)."
)

STAFF_ONLY = "Staff only."
NULL_STAFF_ONLY = "Null needs a staff key."

# Request fields that are another name of a field of the table (the seed product's document).
SYNONYMS = {"organizationId": "businessId"}

InputClass = TypeVar("InputClass", bound=type[serializers.Serializer])


def documents_owners(prefix: str = "") -> Callable[[InputClass], InputClass]:
    """Append who may write each field to its description, from field_ownership's table.

    `prefix`: the API name of the group the fields sit in ("tenDlc", "billing"); nested
    groups flattened with source="*" (routing, capabilities) need none, their sources
    name the number's own columns. Generated, so the schema cannot disagree with the table.
    SYSTEM fields get no note: no update writes them, and in the create body `number` and
    `id` say what to create, which is not a write of an existing number's field.
    """

    def document(cls: InputClass) -> InputClass:
        for name, field in cls._declared_fields.items():
            if isinstance(field, serializers.BaseSerializer):
                continue  # a group: documented by its own class
            field_name = api_name(field.source or name, prefix)
            field_name = SYNONYMS.get(field_name, field_name)
            notes = []
            if owner_of(field_name) == STAFF:
                notes.append(STAFF_ONLY)
            elif None in STAFF_ONLY_VALUES.get(field_name, ()):
                notes.append(NULL_STAFF_ONLY)
            if notes:
                # Each serializer instance deep-copies its declared fields by calling the
                # constructor again with the original arguments (Field.__deepcopy__), so the
                # text goes there as well as on the declared field.
                field.help_text = " ".join([field.help_text or "", *notes]).strip()
                field._kwargs["help_text"] = field.help_text
        return cls

    return document


class OrganizationIdInput(StrictInputSerializer):
    """A body's `organizationId`, read as `businessId` (the seed product's document calls
    the business an organization); validated data carries only `businessId`."""

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if "organizationId" in attrs:
            organization_id = attrs.pop("organizationId")
            if "businessId" in attrs and attrs["businessId"] != organization_id:
                raise serializers.ValidationError({"organizationId": [ORGANIZATION_DIFFERS]})
            attrs["businessId"] = organization_id
        return attrs


@extend_schema_serializer(component_name="PhoneNumberCreate")
@documents_owners()
class PhoneNumberCreateInput(OrganizationIdInput):
    """`POST /phone-numbers` body, exactly the seed's request fields."""

    name = StrictCharField(
        min_length=1, max_length=255, help_text="Label for the number, 1-255 characters."
    )
    number = StrictCharField(
        required=False,
        min_length=1,
        help_text="The number in any common format; stored as E.164. Omit to claim one "
        "from the inventory pool for the business.",
        error_messages={"null": NUMBER_NULL},
    )
    businessId = StrictUUIDField(required=False, allow_null=True)
    enabled = StrictBooleanField(required=False, default=True)
    id = StrictUUIDField(required=False, allow_null=True)
    organizationId = StrictUUIDField(
        required=False, allow_null=True, help_text=ORGANIZATION_ID_HELP
    )

    def validate_number(self, value: str) -> str:
        # Checked here too so that a bad number is reported with the other bad fields;
        # the service normalises again (idempotent) for callers other than the API.
        try:
            return normalize_number(value)
        except InvalidNumber as exc:
            raise serializers.ValidationError(str(exc)) from None


def _text(source: str, model: type[models.Model] = PhoneNumber) -> StrictCharField:
    """An optional, nullable text field as long as the column it writes (`source`)."""
    return StrictCharField(
        source=source,
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=model._meta.get_field(source).max_length,
    )


def _flag(source: str) -> StrictBooleanField:
    return StrictBooleanField(source=source, required=False)


@extend_schema_serializer(component_name="RoutingPatch")
@documents_owners()
class RoutingInput(StrictInputSerializer):
    smsEnabled = _flag("routing_sms_enabled")
    voiceEnabled = _flag("routing_voice_enabled")
    warmupOnly = _flag("routing_warmup_only")
    internalTestOnly = _flag("routing_internal_test_only")
    teamId = _text("team_id")
    sourceId = _text("source_id")
    campaignId = _text("campaign_id")
    messagingProfileId = _text("routing_messaging_profile_id")
    voiceConnectionId = _text("routing_voice_connection_id")
    tenDlcApplicationId = _text("routing_ten_dlc_application_id")


@extend_schema_serializer(component_name="CapabilitiesPatch")
@documents_owners()
class CapabilitiesInput(StrictInputSerializer):
    sms = _flag("capability_sms")
    voice = _flag("capability_voice")
    warmup = _flag("capability_warmup")
    testing = _flag("capability_testing")


@extend_schema_serializer(component_name="TenDlcPatch")
@documents_owners("tenDlc")
class TenDlcInput(StrictInputSerializer):
    brandId = _text("brand_id", TenDlc)
    campaignId = _text("campaign_id", TenDlc)
    campaignStatus = _text("campaign_status", TenDlc)
    assignmentStatus = _text("assignment_status", TenDlc)
    messagingProfileId = _text("messaging_profile_id", TenDlc)
    statusUpdatedAt = serializers.DateTimeField(
        source="status_updated_at", required=False, allow_null=True
    )
    failureReason = StrictCharField(
        source="failure_reason", required=False, allow_null=True, allow_blank=True
    )
    lastProviderEventId = _text("last_provider_event_id", TenDlc)


@extend_schema_serializer(component_name="BillingPatch")
@documents_owners("billing")
class BillingInput(StrictInputSerializer):
    subscriptionItemId = _text("subscription_item_id", Billing)
    monthlyAmount = serializers.DecimalField(
        source="monthly_amount",
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
    )
    channel = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=Billing._meta.get_field("channel").max_length,
    )


@extend_schema_serializer(component_name="PhoneNumberPatch")
@documents_owners()
class PhoneNumberPatchInput(OrganizationIdInput):
    """`PATCH /phone-numbers/{id}`: any subset of the writable fields."""

    name = StrictCharField(required=False, min_length=1, max_length=255)
    enabled = StrictBooleanField(required=False)
    businessId = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="Move the number to this business; null returns it to the pool.",
    )
    organizationId = StrictUUIDField(
        required=False, allow_null=True, help_text=ORGANIZATION_ID_HELP
    )
    teamId = _text("team_id")
    campaignId = _text("campaign_id")
    sourceId = _text("source_id")
    routing = RoutingInput(source="*", required=False)
    capabilities = CapabilitiesInput(source="*", required=False)
    isPreferred = _flag("is_preferred")
    isDefault = StrictBooleanField(
        source="is_default",
        required=False,
        help_text="true makes this the business's default, taking the flag from the previous one.",
    )
    inventoryState = StrictChoiceField(
        source="inventory_state", choices=InventoryState.choices, required=False
    )
    status = StrictChoiceField(choices=PhoneNumberStatus.choices, required=False)
    warmupEnabled = _flag("warmup_enabled")
    warmupState = StrictChoiceField(
        source="warmup_state", choices=WarmupHealthState.choices, required=False, allow_null=True
    )
    healthStatus = StrictChoiceField(
        source="health_status", choices=WarmupHealthState.choices, required=False, allow_null=True
    )
    warmupHealthScore = IntegerStringField(
        source="warmup_health_score", required=False, min_value=0, max_value=100
    )
    warmupProgressPercent = IntegerStringField(
        source="warmup_progress_percent", required=False, min_value=0, max_value=100
    )
    warmupNextActionAt = serializers.DateTimeField(
        source="warmup_next_action_at", required=False, allow_null=True
    )
    healthReason = StrictCharField(
        source="health_reason", required=False, allow_null=True, allow_blank=True
    )
    tenDlc = TenDlcInput(source="ten_dlc", required=False)
    billing = BillingInput(required=False)

    def validate(self, attrs: dict) -> dict:
        routing = self.initial_data.get("routing")
        if isinstance(routing, dict):
            for name in ("teamId", "sourceId", "campaignId"):
                both = name in routing and name in self.initial_data
                if both and routing[name] != self.initial_data[name]:
                    raise serializers.ValidationError(
                        {name: [MIRRORS_DIFFER.format(top=name, nested=name)]}
                    )
        return super().validate(attrs)


@extend_schema_serializer(component_name="WarmupPause")
class WarmupPauseInput(StrictInputSerializer):
    reason = StrictCharField(max_length=500, help_text="Why warmup is paused, shown to operators.")


@extend_schema_serializer(component_name="Empty")
class EmptyInput(StrictInputSerializer):
    """No fields: the body may be empty or {}."""


@extend_schema_field(
    {"description": "A string, or true/false for a yes/no field (e.g. `enabled`)."}
)
class ScalarField(serializers.Field):
    """Any JSON value, checked when the list options are read (list_options)."""

    def to_internal_value(self, data):
        return data


@extend_schema_serializer(component_name="OrderByOption")
class OrderByOptionInput(StrictInputSerializer):
    """One field of the order, first the primary one."""

    field = StrictCharField(help_text="A field `orderBy` of GET /phone-numbers offers.")
    direction = StrictChoiceField(
        choices=["asc", "desc"], required=False, allow_null=True, help_text="asc if omitted."
    )


@extend_schema_serializer(component_name="ExactMatchFilter")
class ExactMatchFilterInput(StrictInputSerializer):
    """Numbers whose field has this value."""

    field = StrictCharField(
        help_text="A filter of GET /phone-numbers (e.g. status, enabled, businessId; "
        "organizationId is businessId). The same field twice matches either value."
    )
    value = ScalarField()


@extend_schema_serializer(component_name="RangeFilter")
class RangeFilterInput(StrictInputSerializer):
    """Numbers whose date-time field is within inclusive bounds."""

    field = StrictCharField(help_text="createdAt or modifiedAt.")
    greaterThanOrEqual = ScalarField(required=False, help_text="ISO 8601 date-time.")
    lessThanOrEqual = ScalarField(required=False, help_text="ISO 8601 date-time.")
    greaterThan = ScalarField(required=False, help_text="Not supported: a 400.")
    lessThan = ScalarField(required=False, help_text="Not supported: a 400.")


@extend_schema_serializer(component_name="RequestDataOptions")
class RequestDataOptionsInput(StrictInputSerializer):
    """`POST /phone-numbers/all/organization`: the seed product's list request."""

    pageSize = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=KeysetParams.MAX_SIZE,
        error_messages={"min_value": KeysetParams.BAD_SIZE, "max_value": KeysetParams.BAD_SIZE},
        help_text="Items per page, 1-500 (50).",
    )
    continuationToken = StrictCharField(
        required=False, allow_null=True, allow_blank=True, help_text="From the previous page."
    )
    # Lists of objects whose items may not be null (`many=True` would let null items
    # through to the view).
    orderBy = serializers.ListField(child=OrderByOptionInput(), required=False, allow_null=True)
    includeCount = StrictBooleanField(
        required=False, allow_null=True, help_text="Also compute totalCount (costs a COUNT)."
    )
    search = StrictCharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="As `search` of GET /phone-numbers: a whole number, digits of numbers, "
        "or text of names.",
    )
    searchFields = serializers.ListField(
        child=StrictCharField(),
        required=False,
        allow_null=True,
        help_text="name and number (search looks in both, by what the text looks like).",
    )
    filters = serializers.ListField(child=ExactMatchFilterInput(), required=False, allow_null=True)
    rangeFilters = serializers.ListField(child=RangeFilterInput(), required=False, allow_null=True)
