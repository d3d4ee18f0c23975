"""Serializer building blocks that hold requests to the contract's JSON types.

DRF's defaults are lenient (`"enabled": "yes"` is true, `"name": 5` is "5"); the
published contract is not, so the API uses these instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.values import (
    INTEGER_STRING_PATTERN,
    MAX_INTEGER_DIGITS,
    TooManyDigits,
    parse_integer_string,
)

UNKNOWN_FIELD = "Unknown field. Allowed fields: {allowed}."
EXPECTED_OBJECT = "Expected a JSON object, got {kind}."


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not "5", 5.0 or true."""

    default_error_messages = {"invalid": "Must be an integer."}

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    default_error_messages = {
        "invalid": "Must be a UUID string, e.g. 3fa85f64-5717-4562-b3fc-2c963f66afa6."
    }

    def to_internal_value(self, data: Any):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictInputSerializer(serializers.Serializer):
    """Rejects bodies that are not JSON objects and fields it does not declare."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            kind = "an array" if isinstance(data, list) else f"a {type(data).__name__}"
            raise serializers.ValidationError({"body": [EXPECTED_OBJECT.format(kind=kind)]})
        allowed = ", ".join(self.fields)
        errors = {
            key: [UNKNOWN_FIELD.format(allowed=allowed)] for key in data if key not in self.fields
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Report unknown fields together with the bad values of known ones.
            raise serializers.ValidationError({**exc.detail, **errors}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """Validate request data with `serializer_class`, raising a 400 problem on failure."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_field(
    {
        "type": "string",
        "pattern": INTEGER_STRING_PATTERN,
        "description": 'An integer written as a string, e.g. "42".',
    }
)
class IntegerStringField(serializers.Field):
    """An integer sent as a string, as the contract has `warmupHealthScore`.

    Reads "42" (and, leniently, 42); writes "42". `min_value`/`max_value` bound it.
    Only ASCII digits, without leading zeros or a plus sign, as the contract's pattern.
    """

    default_error_messages = {
        "invalid": 'Must be an integer or an integer string of ASCII digits, e.g. "42".',
        "range": "Must be from {min_value} to {max_value}.",
        "too_long": "Must be an integer of at most {digits} digits.",
    }

    def __init__(self, *, min_value: int | None = None, max_value: int | None = None, **kwargs):
        self.min_value, self.max_value = min_value, max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, int) and not isinstance(data, bool):
            value = data
        elif isinstance(data, str):
            try:
                value = parse_integer_string(data)
            except TooManyDigits:
                # Longer than any column holds: out of range, whatever its digits.
                if self.min_value is not None and self.max_value is not None:
                    self.fail("range", min_value=self.min_value, max_value=self.max_value)
                self.fail("too_long", digits=MAX_INTEGER_DIGITS)
            if value is None:
                self.fail("invalid")
        else:
            self.fail("invalid")
        if (self.min_value is not None and value < self.min_value) or (
            self.max_value is not None and value > self.max_value
        ):
            self.fail("range", min_value=self.min_value, max_value=self.max_value)
        return value

    def to_representation(self, value: int) -> str:
        return str(int(value))


class StrictChoiceField(serializers.ChoiceField):
    default_error_messages = {"invalid_choice": "{input!r} is not one of: {choices}."}

    def to_internal_value(self, data: Any) -> str:
        if data == "" and self.allow_blank:
            return ""
        if not isinstance(data, str) or data not in self.choice_strings_to_values:
            self.fail(
                "invalid_choice", input=data, choices=", ".join(self.choice_strings_to_values)
            )
        return self.choice_strings_to_values[data]


@extend_schema_serializer(component_name="Problem")
class ProblemOutput(serializers.Serializer):
    """RFC 9457 problem details, as every error of this API is sent (for the schema)."""

    type = serializers.CharField(help_text="A URI reference; GET it for documentation.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path of the request.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="On validation errors: each field (camelCase, dotted when nested) and "
        "its messages.",
    )
