"""Serializer building blocks that hold requests to the contract's JSON types.

DRF's defaults are lenient (`"enabled": "yes"` is true, `"name": 5` is "5"); the
published contract is not, so the API uses these instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

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
