"""The published outgoing-number operations: thin doors to outgoing.services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from businesses.models import Business
from businesses.selectors import business_resolve_for_caller
from core.api import ApiView
from core.openapi import IDEMPOTENCY_KEY, problems
from core.serializers import StrictCharField, validated
from outgoing.api.answers import answer
from outgoing.api.serializers import (
    ManualOverrideInput,
    NullableId,
    SelectionInput,
    SelectionOutput,
)
from outgoing.candidates import CHANNELS
from outgoing.selection import Wanted
from outgoing.services import (
    Ask,
    check_path,
    override_clear,
    override_set,
    sender_check,
    sender_select,
)

TAG = ["Outgoing numbers"]
STAFF_NAME_THE_BUSINESS = "Required with a staff key: the business whose numbers send."
PROBLEMS = problems(400, 413, 415, 422)
CONVERSATION = OpenApiParameter(
    "conversationId", str, OpenApiParameter.PATH, description="Your conversation's id."
)
RULES = (
    ' The rules, in order (README, "Choosing a sender"): the conversation\'s pinned number '
    "(ManualOverride), the number it already uses (StickyConversation), the lead's number "
    "(LeadAssigned), numbers routed to the campaign or source (CampaignOrSource), preferred "
    "numbers (Preferred), numbers in the recipient's area code, then state (LocalArea), the "
    "healthiest number with the most capacity left (HealthyPool), and the default number "
    "(FallbackDefault). Only numbers that may send now count: the business's, enabled, "
    "Active, routed for the channel, not paused, blocked or suspended, for SMS with an "
    "approved 10DLC campaign, with room in their minute, hour and day. When none can, "
    "canSend is false and setupMessage says why. A unit of the chosen number's capacity is "
    "held for the send until it is reported or reservedUntil passes."
)


def _business(user, business_id: str | None) -> Business:
    business = business_resolve_for_caller(user=user, business_id=business_id)
    if business is None:  # staff who named none
        raise ValidationError({"businessId": [STAFF_NAME_THE_BUSINESS]})
    return business


def _checked(field, name: str, value: str | None):
    """A path or query value held to the body field's rules (e.g. no NUL character,
    which PostgreSQL cannot store): a 400 naming it otherwise."""
    try:
        return field.run_validation(value)
    except DRFValidationError as exc:
        raise DRFValidationError({name: exc.detail}) from None


def path_conversation_id(value: str) -> str:
    return _checked(NullableId(), "conversationId", value)


def ask_from(user, data: dict[str, Any], *, conversation_id: str | None = None) -> Ask:
    """The request read: its business resolved for the caller, its channel in the
    capacity counters' terms."""
    return Ask(
        business=_business(user, data.get("businessId")),
        channel=CHANNELS[data.get("channel") or "sms"],
        conversation_id=conversation_id or data.get("conversationId"),
        lead_id=data.get("leadId"),
        team_id=data.get("teamId"),
        wanted=Wanted(
            recipient=data.get("recipientPhoneNumber"),
            campaign_id=data.get("campaignId"),
            source_id=data.get("sourceId"),
        ),
    )


class OutgoingForNewView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_GetOutgoingForNewOutbound",
        summary="Select new lead sender number",
        description="Chooses the number to send a first message to a lead from (or to call "
        "it from), and holds a unit of its capacity for the send." + RULES,
        request=SelectionInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SelectionOutput, **PROBLEMS},
    )
    def post(self, request: Request) -> Response:
        data = validated(SelectionInput, request.data)
        ask = ask_from(request.user, data)
        selection = sender_select(ask=ask, now=timezone.now())
        return Response(answer(selection, ask))


class OutgoingForConversationView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_GetOutgoingForConversation",
        summary="Select conversation sender number",
        description="Chooses the number to send the conversation's next message from (or "
        "to call from): its pinned number, else the number it already uses while that may "
        "send, else by the rules; and holds a unit of its capacity for the send. A body's "
        "conversationId, if sent, must be the path's." + RULES,
        request=SelectionInput,
        parameters=[CONVERSATION, IDEMPOTENCY_KEY],
        responses={200: SelectionOutput, **PROBLEMS},
    )
    def post(self, request: Request, conversationId: str) -> Response:
        conversationId = path_conversation_id(conversationId)
        data = validated(SelectionInput, request.data)
        check_path(data.get("conversationId"), conversationId)
        ask = ask_from(request.user, data, conversation_id=conversationId)
        selection = sender_select(ask=ask, now=timezone.now())
        return Response(answer(selection, ask))


class ManualOverrideView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_ValidateManualOverride",
        summary="Validate sender number override",
        description="Checks that a number a person chose may send this message now: one of "
        "the business's, that may send on the channel with room left. If it may, a unit "
        "of its capacity is held for the send and the conversation, if named, uses it from "
        "now on; if not, canSend is false and setupMessage says why. A number of another "
        "business, or released, is a 400.",
        request=ManualOverrideInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: SelectionOutput, **PROBLEMS},
    )
    def post(self, request: Request) -> Response:
        data = validated(ManualOverrideInput, request.data)
        ask = ask_from(request.user, data["selection"])
        selection = sender_check(
            ask=ask,
            phone_number_id=data["fromPhoneNumberId"],
            acting_user=request.user,
            now=timezone.now(),
        )
        return Response(answer(selection, ask))


class ConversationOverrideView(ApiView):
    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_SetConversationOverride",
        summary="Set sender number override",
        description="Pins the conversation's sender to one of the business's numbers: "
        "its selections choose it first while it may send. A number that cannot send now "
        "may be pinned (it is chosen again as soon as it can); a number of another "
        "business, or released, is a 400. Written to the conversation's history with who "
        "pinned it. The answer previews the next selection (no capacity is held).",
        request=ManualOverrideInput,
        parameters=[CONVERSATION, IDEMPOTENCY_KEY],
        responses={200: SelectionOutput, **PROBLEMS},
    )
    def post(self, request: Request, conversationId: str) -> Response:
        conversationId = path_conversation_id(conversationId)
        data = validated(ManualOverrideInput, request.data)
        check_path(data["selection"].get("conversationId"), conversationId)
        ask = ask_from(request.user, data["selection"], conversation_id=conversationId)
        selection = override_set(
            ask=ask,
            phone_number_id=data["fromPhoneNumberId"],
            acting_user=request.user,
            now=timezone.now(),
        )
        return Response(answer(selection, ask))

    @extend_schema(
        tags=TAG,
        operation_id="PhoneNumbers_ClearConversationOverride",
        summary="Clear sender number override",
        description="Unpins the conversation's sender: its selections follow the rules "
        "again. Written to its history with who unpinned it; nothing changes when none is "
        "pinned. The answer previews the next SMS selection (no capacity is held).",
        parameters=[
            CONVERSATION,
            OpenApiParameter(
                "businessId",
                str,
                OpenApiParameter.QUERY,
                description="Ours: the business (id or exact name); staff keys must say.",
            ),
            IDEMPOTENCY_KEY,
        ],
        responses={200: SelectionOutput, **PROBLEMS},
    )
    def delete(self, request: Request, conversationId: str) -> Response:
        conversationId = path_conversation_id(conversationId)
        ask = ask_from(
            request.user,
            {
                "businessId": _checked(
                    StrictCharField(allow_null=True),
                    "businessId",
                    request.query_params.get("businessId"),
                )
            },
            conversation_id=conversationId,
        )
        selection = override_clear(ask=ask, acting_user=request.user, now=timezone.now())
        return Response(answer(selection, ask))
