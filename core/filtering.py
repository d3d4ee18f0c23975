"""Applying a FilterSet to query parameters, with errors instead of silent fallbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField

from core.values import OFFSET_OUT_OF_RANGE, utc_offset_in_range

PAGING_PARAMS = ("pageSize", "continuationToken", "includeCount", "orderBy")
UNKNOWN_PARAM = "Unknown query parameter. Known: {known}."
EMPTY_VALUE = "Must not be empty: give a value, or leave the parameter out for no filter."


class StrictIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 datetimes whose UTC offset PostgreSQL can store (core.values)."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not utc_offset_in_range(result):
            raise ValidationError(OFFSET_OUT_OF_RANGE, code="invalid")
        return result


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = StrictIsoDateTimeField


def filter_queryset(
    filterset_class: type[django_filters.FilterSet],
    params,
    queryset: QuerySet,
    *,
    also_allowed: Iterable[str] = PAGING_PARAMS,
) -> QuerySet:
    """`queryset` filtered by `params`; unknown parameters and bad values raise ValidationError."""
    known = [*filterset_class.base_filters, *also_allowed]
    errors = {
        name: [UNKNOWN_PARAM.format(known=", ".join(known))] for name in params if name not in known
    }
    # A FilterSet reads an empty value as "no filter": `?createdAtTo=` would silently match
    # everything, like the mistyped filters refused above. (Forms that submit empty
    # fields, as /ops does, drop them before calling this.)
    empty = {
        name: [EMPTY_VALUE]
        for name in filterset_class.base_filters
        if name in params and any(not value.strip() for value in _values(params, name))
    }
    if not any(name in params for name in filterset_class.base_filters):
        # No filter asked for: skip building and validating the FilterSet's form (~1 ms).
        if errors:
            raise ValidationError(errors)
        return queryset
    filterset = filterset_class(params, queryset=queryset)
    if not filterset.is_valid():
        errors.update(filterset.errors)
    errors.update(empty)  # clearer than the form's "Select a valid choice" for ""
    if errors:
        raise ValidationError(errors)
    return filterset.qs


def _values(params, name: str) -> list[str]:
    values = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
    return [value if isinstance(value, str) else str(value) for value in values]


def validate_together(*checks: Callable[[], Any]) -> list[Any]:
    """Run every check; raise one ValidationError with all their errors, or return results.

    So a request with a bad filter and a bad pageSize hears about both at once.
    """
    results: list[Any] = []
    errors: dict[str, list[str]] = {}
    for check in checks:
        try:
            results.append(check())
        except ValidationError as exc:
            errors.update(exc.message_dict)
            results.append(None)
    if errors:
        raise ValidationError(errors)
    return results
