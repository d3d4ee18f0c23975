"""The warmup and status answers' door: the window's query parameters, and the response
shape for the OpenAPI schema (the body itself is warmup.status's, plus `WarmupOutput`'s).

Component names are the published document's, so a reader can put the two side by side.
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from phonenumbers_app.api.serializers import (
    READINESS_HEALTH_STATES,
    READINESS_STATES,
    WarmupOutput,
)
from phonenumbers_app.models import PhoneNumber
from warmup import clock, status
from warmup.vocabularies import Channel, Direction, EngineAction, Outcome, PacingStatus

WINDOW_PARAMETERS = [
    OpenApiParameter(
        "windowDays",
        {"type": "integer", "minimum": 1, "maximum": status.MAX_WINDOW_DAYS},
        OpenApiParameter.QUERY,
        description=f"Days of traffic in optOutMetrics and trafficMetrics, 1 to "
        f"{status.MAX_WINDOW_DAYS}; default {status.DEFAULT_WINDOW_DAYS}, ending today (US "
        "Eastern), or ending on endDate, or starting on startDate.",
    ),
    OpenApiParameter(
        "startDate",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="First Eastern day of the window. Alone: the window runs to today. With "
        f"endDate: those days (at most {status.MAX_WINDOW_DAYS}; windowDays, if given, must "
        f"agree). Dates from {status.FIRST_DATE} to {status.LAST_DATE}.",
    ),
    OpenApiParameter(
        "endDate",
        OpenApiTypes.DATE,
        OpenApiParameter.QUERY,
        description="Last Eastern day of the window (windowDays days up to it).",
    ),
]


class WindowInput(serializers.Serializer):
    windowDays = serializers.IntegerField(required=False)
    startDate = serializers.DateField(required=False)
    endDate = serializers.DateField(required=False)


def window_from_query(params: QueryDict) -> status.StatsWindow:
    """The stats window the query string asks for; a 400 naming each bad parameter.

    An empty value is an omitted one (the document's windowDays may be null); other
    parameters are ignored, as on every detail URL.
    """
    given = {
        name: params[name] for name in ("windowDays", "startDate", "endDate") if params.get(name)
    }
    inputs = WindowInput(data=given)
    if not inputs.is_valid():
        raise ValidationError(inputs.errors)
    data = inputs.validated_data
    try:
        return status.stats_window(
            today=clock.eastern_day(timezone.now()),
            window_days=data.get("windowDays"),
            start_date=data.get("startDate"),
            end_date=data.get("endDate"),
        )
    except status.WindowInvalid as exc:
        raise ValidationError(exc.errors) from None


# --- The response, for the schema ---------------------------------------------------


@extend_schema_serializer(component_name="SmsReadinessUiState")
class SmsReadinessUiStateOutput(serializers.Serializer):
    label = serializers.ChoiceField(choices=READINESS_STATES)
    tone = serializers.ChoiceField(choices=list(dict.fromkeys(status.UI_TONES.values())))
    description = serializers.CharField()


@extend_schema_serializer(component_name="SmsReadinessStatusResponse")
class SmsReadinessStatusOutput(serializers.Serializer):
    phoneNumberId = serializers.CharField()
    phoneNumber = serializers.CharField()
    status = serializers.ChoiceField(choices=READINESS_STATES)
    healthStatus = serializers.ChoiceField(choices=READINESS_HEALTH_STATES)
    healthScore = serializers.IntegerField()
    progressPercent = serializers.IntegerField()
    warmupEnabled = serializers.BooleanField()
    uiState = SmsReadinessUiStateOutput()


# OutboundPhoneNumberCapacity's names: {channel}{Remaining,Used,Limit}{suffix}, {resets}ResetsAt.
CAPACITY_WINDOWS = (("ThisMinute", "Minutely"), ("Today", "Daily"), ("ThisHour", "Hourly"))


def _capacity_fields() -> dict[str, serializers.Field]:
    fields: dict[str, serializers.Field] = {}
    for channel in ("sms", "voice"):
        for suffix, resets in CAPACITY_WINDOWS:
            for kind in ("Remaining", "Used", "Limit"):
                fields[f"{channel}{kind}{suffix}"] = serializers.IntegerField()
            fields[f"{channel}{resets}ResetsAt"] = serializers.DateTimeField(allow_null=True)
    return fields


OutboundPhoneNumberCapacityOutput = extend_schema_serializer(
    component_name="OutboundPhoneNumberCapacity"
)(
    type(
        "OutboundPhoneNumberCapacityOutput",
        (serializers.Serializer,),
        {
            "__doc__": "Sending capacity this minute, US Eastern hour and day under the "
            "plan's limits; zeros with capacityAvailable false when the counters cannot "
            "be read.",
            "capacityAvailable": serializers.BooleanField(),
            "phoneNumberId": serializers.CharField(allow_null=True),
            "phoneNumber": serializers.CharField(allow_null=True),
            "healthStatus": serializers.ChoiceField(choices=PacingStatus.choices),
            "healthReason": serializers.CharField(allow_null=True),
            "smsApproved": serializers.BooleanField(),
            "smsRamping": serializers.BooleanField(),
            "voiceRamping": serializers.BooleanField(),
            **_capacity_fields(),
        },
    )
)


@extend_schema_serializer(component_name="PhoneNumberOptOutMetricsResponse")
class OptOutMetricsOutput(serializers.Serializer):
    windowDays = serializers.IntegerField()
    windowStartedAt = serializers.DateTimeField()
    distinctContactedCount = serializers.IntegerField(
        help_text="Recipients distinct within each US Eastern day, summed over the window."
    )
    optOutCount = serializers.IntegerField()
    optOutRatePercent = serializers.FloatField()


class _TrafficCounts(serializers.Serializer):
    smsSentCount = serializers.IntegerField()
    smsFailedCount = serializers.IntegerField(help_text="Failed or rejected by the carrier.")
    mmsSentCount = serializers.IntegerField()
    mmsFailedCount = serializers.IntegerField(help_text="Failed or rejected by the carrier.")
    callPlacedCount = serializers.IntegerField()
    callFailedCount = serializers.IntegerField()


@extend_schema_serializer(component_name="PhoneNumberTrafficTrendPoint")
class TrafficTrendPointOutput(_TrafficCounts):
    startAt = serializers.DateTimeField(help_text="Midnight US Eastern, in UTC.")
    endAt = serializers.DateTimeField()
    label = serializers.CharField()


@extend_schema_serializer(component_name="PhoneNumberTrafficMetricsResponse")
class TrafficMetricsOutput(_TrafficCounts):
    windowDays = serializers.IntegerField()
    windowStartedAt = serializers.DateTimeField()
    callConnectedCount = serializers.IntegerField()
    callShortCount = serializers.IntegerField()
    callInvalidNumberCount = serializers.IntegerField()
    trend = TrafficTrendPointOutput(many=True, help_text="One point per US Eastern day.")


@extend_schema_serializer(component_name="PhoneNumberMessagingEventResponse")
class MessagingEventOutput(serializers.Serializer):
    id = serializers.CharField()
    createdAt = serializers.DateTimeField(help_text="When the outcome occurred.")
    label = serializers.CharField()
    eventType = serializers.CharField(help_text="`<channel>.<outcome>`, e.g. sms.delivered.")
    direction = serializers.ChoiceField(choices=Direction.choices)
    fromPhoneNumber = serializers.CharField(help_text='"" when the recipient was not reported.')
    toPhoneNumber = serializers.CharField(help_text='"" when the recipient was not reported.')
    textPreview = serializers.CharField(help_text='Always "": message text is not stored.')
    isOptOut = serializers.BooleanField()
    messageId = serializers.CharField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    errorCode = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="WarmupPlanRef")
class PlanRefOutput(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="WarmupLimits")
class LimitsOutput(serializers.Serializer):
    smsPerMinute = serializers.IntegerField()
    smsPerHour = serializers.IntegerField()
    smsPerDay = serializers.IntegerField()
    voiceStage = serializers.IntegerField(min_value=0, max_value=4)
    callsPerMinute = serializers.IntegerField()
    callsPerHour = serializers.IntegerField()
    callsPerDay = serializers.IntegerField()


@extend_schema_serializer(component_name="WarmupLastAction")
class LastActionOutput(serializers.Serializer):
    action = serializers.ChoiceField(choices=EngineAction.choices)
    reason = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)


@extend_schema_serializer(component_name="SendingBlockedReason")
class SendingBlockedOutput(serializers.Serializer):
    sms = serializers.CharField(allow_null=True)
    voice = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="StatsWindow")
class WindowOutput(serializers.Serializer):
    startDate = serializers.DateField()
    endDate = serializers.DateField()
    windowDays = serializers.IntegerField()


@extend_schema_serializer(component_name="PhoneNumberStatusResponse")
class PhoneNumberStatusOutput(WarmupOutput):
    """The published document's PhoneNumberStatusResponse, and ours beside it: the warmup
    fields, pause/resume possibilities and warmup events (`Warmup`), the plan, its day,
    limits, the engine's last action, why sending is blocked, and the window."""

    number = serializers.CharField()
    messagesPossible = serializers.IntegerField(
        help_text="SMS the number may send now: the least remaining this minute, hour and "
        "day; 0 when it may not send SMS (sendingBlockedReason.sms) or capacity is unavailable."
    )
    callsPossible = serializers.IntegerField(
        help_text="Calls the number may place now, as messagesPossible."
    )
    smsWarmup = SmsReadinessStatusOutput(allow_null=True)
    outboundCapacity = OutboundPhoneNumberCapacityOutput(allow_null=True)
    optOutMetrics = OptOutMetricsOutput()
    trafficMetrics = TrafficMetricsOutput()
    recentEvents = MessagingEventOutput(
        many=True,
        help_text="The latest reported outcomes of the current owner's traffic, newest first.",
    )
    plan = PlanRefOutput()
    planDay = serializers.IntegerField(help_text="0 before warmup starts.")
    planDays = serializers.IntegerField()
    limits = LimitsOutput(help_text="The plan's limits that apply today.")
    lastAction = LastActionOutput(allow_null=True)
    sendingBlockedReason = SendingBlockedOutput()
    window = WindowOutput()

    def to_representation(self, instance: PhoneNumber) -> dict[str, Any]:
        # `instance.status_answer` is warmup.status.phone_number_status's (the view's).
        return {**WarmupOutput(instance).data, **instance.status_answer}
