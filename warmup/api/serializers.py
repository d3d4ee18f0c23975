"""The outcomes endpoint's request and answer, as the OpenAPI document shows them.

Items are read by warmup/outcome_input.py (a serializer per item would cost most of the
endpoint's time); OutcomeItemInput documents the same fields, and a test holds them
together.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.serializers import StrictCharField, StrictChoiceField, StrictInputSerializer
from warmup.outcome_input import ERROR_CODE_MAX, MESSAGE_ID_MAX
from warmup.services.outcomes import (
    BATCH_EMPTY,
    BATCH_NOT_A_LIST,
    BATCH_TOO_LONG,
    MAX_BATCH,
)
from warmup.vocabularies import Channel, Direction, Outcome


@extend_schema_serializer(component_name="MessageOutcome")
class OutcomeItemInput(StrictInputSerializer):
    messageId = StrictCharField(
        max_length=MESSAGE_ID_MAX,
        help_text="The message's or call's id at the sender. A business's repeated "
        "(messageId, outcome) is counted once.",
    )
    number = StrictCharField(
        required=False,
        help_text="Our number it was sent from or received on, E.164 (or any common "
        "format). Send this or phoneNumberId.",
    )
    phoneNumberId = serializers.UUIDField(required=False, help_text="Or the number's id.")
    channel = StrictChoiceField(choices=Channel.choices)
    direction = StrictChoiceField(choices=Direction.choices)
    outcome = StrictChoiceField(
        choices=Outcome.choices,
        help_text="Messages (sms, mms): sent, delivered, failed, carrier_rejected, opt_out, "
        "spam_reported, received. Calls: placed, connected, short, invalid_number, failed.",
    )
    occurredAt = serializers.DateTimeField(
        help_text="When it happened, ISO 8601 with its UTC offset; at most 5 minutes ahead "
        "and no older than the days outcomes are kept (WARMUP_OUTCOME_RETENTION_DAYS, 7)."
    )
    errorCode = StrictCharField(
        required=False, allow_null=True, max_length=ERROR_CODE_MAX, help_text="The carrier's."
    )
    recipient = StrictCharField(
        required=False,
        allow_null=True,
        help_text="The other party, E.164 (any common format); outbound messages' "
        "recipients are counted once a day per number (the opt-out rate's denominator).",
    )


class OutcomeListField(serializers.ListField):
    """The batch: a list of 1 to 1,000 items, each read on its own by the service (a
    bad item is refused alone, not the batch). The child documents an item."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=OutcomeItemInput(), min_length=1, max_length=MAX_BATCH, **kwargs)

    def to_internal_value(self, data: Any) -> list:
        if not isinstance(data, list):
            raise serializers.ValidationError(BATCH_NOT_A_LIST)
        if not data:
            raise serializers.ValidationError(BATCH_EMPTY)
        if len(data) > MAX_BATCH:
            raise serializers.ValidationError(BATCH_TOO_LONG)
        return data


@extend_schema_serializer(component_name="MessageOutcomeBatch")
class OutcomeBatchInput(StrictInputSerializer):
    outcomes = OutcomeListField()


@extend_schema_serializer(component_name="MessageOutcomeRefusal")
class RefusalOutput(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `outcomes`, from 0.")
    messageId = serializers.CharField(allow_null=True, help_text="As sent, if a string.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad field and its messages (`item` when the item is not an object).",
    )


@extend_schema_serializer(component_name="MessageOutcomeBatchResult")
class OutcomeBatchOutput(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Items counted now.")
    duplicates = serializers.IntegerField(
        help_text="Items already counted (earlier in this batch or in an earlier one)."
    )
    refused = RefusalOutput(many=True, help_text="Items not counted, and why.")
