"""Applying a FilterSet to query parameters, with errors instead of silent fallbacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

PAGING_PARAMS = ("pageSize", "continuationToken", "includeCount", "orderBy")
UNKNOWN_PARAM = "Unknown query parameter. Known: {known}."


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
    if not any(name in params for name in filterset_class.base_filters):
        # No filter asked for: skip building and validating the FilterSet's form (~1 ms).
        if errors:
            raise ValidationError(errors)
        return queryset
    filterset = filterset_class(params, queryset=queryset)
    if not filterset.is_valid():
        errors.update(filterset.errors)
    if errors:
        raise ValidationError(errors)
    return filterset.qs


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
