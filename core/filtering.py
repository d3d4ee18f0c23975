"""Applying a FilterSet to query parameters, with errors instead of silent fallbacks."""

from __future__ import annotations

from collections.abc import Iterable

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
    filterset = filterset_class(params, queryset=queryset)
    known = [*filterset.filters, *also_allowed]
    errors = {
        name: [UNKNOWN_PARAM.format(known=", ".join(known))] for name in params if name not in known
    }
    if not filterset.is_valid():
        errors.update(filterset.errors)
    if errors:
        raise ValidationError(errors)
    return filterset.qs
