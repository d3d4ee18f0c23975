"""Requests and answers of the providers API. Search and availability carry the
published document's component names (PhoneNumberSearchRequest, PhoneNumberSearchResponse,
PhoneNumberAvailabilityRequest, PhoneNumberAvailabilityResponse, PhoneNumberLocation),
with our extra request fields beside the published ones. Answers are built as plain
dicts (providers/api/answers.py); the output serializers here document them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from core.serializers import (
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictInputSerializer,
    StrictIntegerField,
)
from phonenumbers_app.numbers import InvalidNumber, normalize_number
from providers import accounts
from providers.buying import MAX_QUANTITY

SEARCH_MAX = 100


class NumberField(StrictCharField):
    """A phone number in any common format, read as E.164."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return normalize_number(text)
        except InvalidNumber as exc:
            raise serializers.ValidationError(str(exc)) from None


class NullableText(StrictCharField):
    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 255)
        super().__init__(required=False, allow_null=True, allow_blank=True, **kwargs)


@extend_schema_serializer(component_name="CoordinateRequest")
class CoordinateInput(StrictInputSerializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)


@extend_schema_serializer(component_name="PhoneLocationSourceRequest")
class LocationSourceInput(StrictInputSerializer):
    method = StrictCharField(max_length=255, required=False, allow_blank=True)
    query = NullableText()


@extend_schema_serializer(component_name="PhoneNumberLocationRequest")
class LocationInput(StrictInputSerializer):
    location = NullableText(
        help_text='A place, e.g. "Chicago, IL": numbers whose locality it names.'
    )
    state = NullableText(help_text="State or province, e.g. IL.")
    canonicalCity = NullableText(help_text="City, e.g. Chicago.")
    canonicalState = NullableText(help_text="State or province abbreviation, e.g. IL.")
    countryCode = NullableText(help_text="US (default) or CA.")
    coordinate = CoordinateInput(required=False, allow_null=True, help_text="Accepted; not used.")
    coordinateSource = LocationSourceInput(required=False, allow_null=True)
    timeZoneId = NullableText(help_text="Accepted; not used.")
    timeZoneSource = LocationSourceInput(required=False, allow_null=True)


@extend_schema_serializer(component_name="PhoneNumberCapabilitiesRequest")
class CapabilitiesInput(StrictInputSerializer):
    sms = StrictBooleanField(required=False, help_text="Must send SMS (default true).")
    voice = StrictBooleanField(required=False, help_text="Must take calls (default false).")


class DigitsField(StrictCharField):
    def __init__(self, *, length_min: int, length_max: int, **kwargs) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)
        self.length_min, self.length_max = length_min, length_max

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if not (text.isascii() and text.isdigit()):
            raise serializers.ValidationError("Digits only.")
        if not self.length_min <= len(text) <= self.length_max:
            raise serializers.ValidationError(
                f"{self.length_min} to {self.length_max} digits."
                if self.length_min != self.length_max
                else f"Exactly {self.length_min} digits."
            )
        return text


@extend_schema_serializer(component_name="PhoneNumberSearchRequest")
class SearchInput(StrictInputSerializer):
    phoneNumber = NumberField(
        required=False,
        allow_null=True,
        help_text="A number to find others like: numbers in its area code.",
    )
    location = LocationInput(required=False, allow_null=True)
    areaCode = DigitsField(
        length_min=3, length_max=3, help_text="Ours: North American area code, e.g. 312."
    )
    contains = DigitsField(
        length_min=1, length_max=7, help_text="Ours: digits the number contains, e.g. 777."
    )
    locality = NullableText(help_text="Ours: city or rate center, e.g. Chicago.")
    region = NullableText(help_text="Ours: state or province, e.g. IL.")
    capabilities = CapabilitiesInput(required=False, allow_null=True)
    quantity = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=SEARCH_MAX,
        help_text=f"Ours: at most this many numbers (1 to {SEARCH_MAX}, default 10).",
    )


@extend_schema_serializer(component_name="PhoneNumberAvailabilityRequest")
class AvailabilityInput(StrictInputSerializer):
    phoneNumber = NumberField(help_text="The number to check, E.164 (any common format).")


@extend_schema_serializer(component_name="Coordinate")
class CoordinateOutput(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


@extend_schema_serializer(component_name="PhoneLocationSource")
class LocationSourceOutput(serializers.Serializer):
    method = serializers.CharField()
    query = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="PhoneNumberLocation")
class LocationOutput(serializers.Serializer):
    location = serializers.CharField(allow_null=True, help_text='e.g. "Chicago, IL".')
    state = serializers.CharField(allow_null=True)
    canonicalCity = serializers.CharField(allow_null=True)
    canonicalState = serializers.CharField(allow_null=True)
    countryCode = serializers.CharField(allow_null=True)
    coordinate = CoordinateOutput(allow_null=True)
    coordinateSource = LocationSourceOutput(allow_null=True)
    timeZoneId = serializers.CharField(allow_null=True)
    timeZoneSource = LocationSourceOutput(allow_null=True)


@extend_schema_serializer(component_name="PhoneNumberSearchCapabilities")
class SearchCapabilitiesOutput(serializers.Serializer):
    sms = serializers.BooleanField()
    voice = serializers.BooleanField()


@extend_schema_serializer(component_name="PhoneNumberSearchResult")
class SearchResultOutput(serializers.Serializer):
    number = serializers.CharField(help_text="E.164.")
    location = LocationOutput(allow_null=True)
    price = serializers.FloatField(allow_null=True, help_text="Ours: monthly price.")
    upfrontPrice = serializers.FloatField(allow_null=True, help_text="Ours: one-time price.")
    currency = serializers.CharField(allow_null=True, help_text="Ours: ISO 4217, e.g. USD.")
    capabilities = SearchCapabilitiesOutput(help_text="Ours.")


@extend_schema_serializer(component_name="PhoneNumberSearchResponse")
class SearchOutput(serializers.Serializer):
    numbers = SearchResultOutput(many=True)
    provider = serializers.CharField(help_text="Ours: the provider that answered.")


@extend_schema_serializer(component_name="PhoneNumberAvailabilityResponse")
class AvailabilityOutput(serializers.Serializer):
    phoneNumber = serializers.CharField()
    isAvailable = serializers.BooleanField()
    price = serializers.FloatField(allow_null=True, help_text="Monthly price.")
    currency = serializers.CharField(allow_null=True)
    location = LocationOutput(allow_null=True)
    reason = serializers.CharField(
        allow_null=True, help_text="Ours: why it cannot be bought, when it cannot."
    )
    provider = serializers.CharField(help_text="Ours: the provider that answered.")


# --- Orders -----------------------------------------------------------------------

PROVIDER_CHOICES = [accounts.TELNYX, accounts.TWILIO, accounts.SIMULATED]


@extend_schema_serializer(component_name="NumberOrderRequest")
class OrderInput(StrictInputSerializer):
    provider = StrictChoiceField(
        choices=PROVIDER_CHOICES,
        required=False,
        allow_null=True,
        help_text="A configured provider; default DEFAULT_PROVIDER (or the only one).",
    )
    areaCode = StrictCharField(
        required=False,
        allow_null=True,
        max_length=8,
        help_text="Buy `quantity` numbers in this area code (e.g. 312); or send numbers.",
    )
    numbers = serializers.ListField(
        child=StrictCharField(max_length=64),
        required=False,
        allow_null=True,
        max_length=MAX_QUANTITY,
        help_text="Buy these numbers (E.164, any common format); or send areaCode.",
    )
    quantity = StrictIntegerField(
        required=False,
        allow_null=True,
        help_text=f"1 to {MAX_QUANTITY}; with numbers, their count (or leave it out).",
    )
    businessId = StrictCharField(
        required=False,
        allow_null=True,
        max_length=255,
        help_text="The business the numbers are for (id or exact name); none: pool inventory.",
    )


@extend_schema_serializer(component_name="NumberOrderItem")
class OrderItemOutput(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=["ordered", "active", "failed"])
    phoneNumberId = serializers.UUIDField(allow_null=True)
    error = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="NumberOrder")
class OrderOutput(serializers.Serializer):
    id = serializers.UUIDField()
    provider = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["queued", "running", "waiting", "completed", "failed"]
    )
    areaCode = serializers.CharField(allow_null=True)
    numbers = serializers.ListField(child=serializers.CharField(), help_text="As asked for.")
    quantity = serializers.IntegerField()
    businessId = serializers.UUIDField(allow_null=True)
    requested = serializers.IntegerField(help_text="Numbers asked for.")
    bought = serializers.IntegerField(help_text="Numbers ordered at the provider.")
    active = serializers.IntegerField(help_text="Numbers Active now.")
    failed = serializers.IntegerField(help_text="Numbers that failed, with their reasons.")
    pending = serializers.IntegerField(help_text="Numbers waiting for the provider.")
    message = serializers.CharField(
        allow_null=True, help_text="What stopped or shortened the order, if anything."
    )
    items = OrderItemOutput(many=True)
    createdAt = serializers.DateTimeField()
    finishedAt = serializers.DateTimeField(allow_null=True)
