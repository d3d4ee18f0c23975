"""The outgoing-number operations' requests and answers, with the published document's
component names (OutgoingNumberSelectionRequest, OutgoingNumberManualOverrideRequest,
OutgoingNumberSelectionResponse, EligibleOutgoingNumberResponse) so a reader can put the
two side by side. Answers are built as plain dicts (outgoing/api/answers.py); the output
serializers here document them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.serializers import (
    StrictCharField,
    StrictChoiceField,
    StrictInputSerializer,
    StrictUUIDField,
)
from outgoing.models import ID_MAX
from outgoing.vocabularies import SelectionChannel, SelectionReason
from phonenumbers_app.api.serializers import READINESS_HEALTH_STATES
from phonenumbers_app.numbers import InvalidNumber, normalize_number


class NullableId(StrictCharField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            required=False, allow_null=True, max_length=ID_MAX, allow_blank=False, **kwargs
        )


class RecipientField(StrictCharField):
    """A phone number in any common format, read as E.164."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return normalize_number(text)
        except InvalidNumber as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_serializer(component_name="OutgoingNumberSelectionRequest")
class SelectionInput(StrictInputSerializer):
    conversationId = NullableId(
        help_text="The conversation (your inbox thread's id): it keeps to the number it "
        "last sent from while that number may send, and a person may pin its sender. Ids "
        "are your business's own: another business's same id is another conversation."
    )
    leadId = NullableId(
        help_text="The lead: a new conversation with it starts on the number it was last "
        "sent from, while that number may send."
    )
    recipientPhoneNumber = RecipientField(
        required=False,
        allow_null=True,
        help_text="Who receives the message or call, E.164 (any common format): numbers in "
        "its area code, then its state, are preferred (LocalArea).",
    )
    channel = StrictChoiceField(
        required=False,
        allow_null=True,
        choices=SelectionChannel.choices,
        help_text="sms (default; MMS too, which shares SMS capacity) or call.",
    )
    campaignId = NullableId(
        help_text="Numbers routed to this campaign (routing.campaignId) are preferred."
    )
    sourceId = NullableId(help_text="Numbers routed to this lead source are preferred.")
    teamId = NullableId(
        help_text="Only numbers routed to this team (routing.teamId), or to no team, may send."
    )
    businessId = StrictCharField(
        required=False,
        allow_null=True,
        help_text="Ours: the business whose numbers send (its id, or exact name). Staff "
        "keys must say; a key of one business may leave it out.",
    )


@extend_schema_serializer(component_name="OutgoingNumberManualOverrideRequest")
class ManualOverrideInput(StrictInputSerializer):
    fromPhoneNumberId = StrictUUIDField(
        help_text="The number a person chose: one of the business's unreleased numbers."
    )
    selection = SelectionInput(help_text="The message it is for (and the conversation).")


@extend_schema_serializer(component_name="OutgoingNumberCapacityLeft")
class CapacityLeftOutput(serializers.Serializer):
    minute = serializers.IntegerField()
    hour = serializers.IntegerField(help_text="This Eastern hour.")
    day = serializers.IntegerField(help_text="This Eastern day.")


class _NumberHealth(serializers.Serializer):
    healthStatus = serializers.ChoiceField(choices=READINESS_HEALTH_STATES, allow_null=True)
    healthLabel = serializers.CharField(allow_null=True)
    healthWarning = serializers.CharField(
        allow_null=True, help_text="Why the number needs attention, when it does."
    )


@extend_schema_serializer(component_name="EligibleOutgoingNumberResponse")
class EligibleNumberOutput(_NumberHealth):
    phoneNumberId = serializers.UUIDField()
    number = serializers.CharField()
    displayNumber = serializers.CharField()
    canSend = serializers.BooleanField(
        help_text="It was chosen, or it has room in its minute, hour and day now."
    )
    selectionReason = serializers.ChoiceField(
        choices=SelectionReason.choices, help_text="The rule that offered it."
    )
    reasonLabel = serializers.CharField()
    label = serializers.CharField(allow_null=True, help_text="The number's name.")
    campaignId = serializers.CharField(allow_null=True)
    sourceId = serializers.CharField(allow_null=True)
    teamId = serializers.CharField(allow_null=True)
    isSelected = serializers.BooleanField()
    capacityLeft = CapacityLeftOutput(
        allow_null=True, help_text="Ours: what it may still send on the channel."
    )


@extend_schema_serializer(component_name="OutgoingNumberPassedOver")
class PassedOverOutput(serializers.Serializer):
    phoneNumberId = serializers.UUIDField()
    number = serializers.CharField()
    selectionReason = serializers.ChoiceField(
        choices=SelectionReason.choices,
        help_text="The rule that would have offered it (the pin, the conversation's or the "
        "lead's number).",
    )
    reason = serializers.CharField(help_text="Why it was passed over.")


@extend_schema_serializer(component_name="OutgoingNumberSelectionResponse")
class SelectionOutput(_NumberHealth):
    canSend = serializers.BooleanField()
    setupMessage = serializers.CharField(
        allow_null=True, help_text="When canSend is false: why, in words a person can act on."
    )
    phoneNumberId = serializers.UUIDField(allow_null=True)
    number = serializers.CharField(allow_null=True)
    displayNumber = serializers.CharField(allow_null=True)
    selectionReason = serializers.ChoiceField(choices=SelectionReason.choices, allow_null=True)
    reasonLabel = serializers.CharField(allow_null=True)
    wasManuallyOverridden = serializers.BooleanField()
    campaignId = serializers.CharField(allow_null=True, help_text="The request's.")
    sourceId = serializers.CharField(allow_null=True, help_text="The request's.")
    eligibleNumbers = EligibleNumberOutput(
        many=True,
        help_text="The numbers the rules considered, best first (at most 25), the chosen "
        "one among them: those out of capacity have canSend false.",
    )
    # --- Ours ---
    channel = serializers.ChoiceField(choices=SelectionChannel.choices)
    conversationId = serializers.CharField(allow_null=True)
    reservedUntil = serializers.DateTimeField(
        allow_null=True,
        help_text="A unit of the chosen number's capacity is held for this send until then, "
        "or until the send is reported (POST /message-outcomes, sent or placed). Null for "
        "answers that only preview (pinning and unpinning).",
    )
    passedOver = PassedOverOutput(
        many=True,
        help_text="The conversation's pinned number, its number or the lead's, when one was "
        "not chosen, and why.",
    )
