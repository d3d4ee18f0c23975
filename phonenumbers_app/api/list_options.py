"""The seed product's list request (`RequestDataOptions`) read as GET /phone-numbers'
query parameters, so that one list (filter backend, FilterSet, pagination) answers both.

    {"orderBy": [{"field": "name", "direction": "desc"}]}   -> orderBy=-name
    {"filters": [{"field": "status", "value": "Active"}]}   -> status=Active
    {"rangeFilters": [{"field": "createdAt", "greaterThanOrEqual": "2026-01-01T00:00:00Z"}]}
                                                            -> createdAtFrom=2026-01-01T...

Errors name the body's fields (`filters[0].value`), not the query parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from phonenumbers_app.filters import PhoneNumberFilter

# Range filters: a field and the FilterSet's inclusive bounds on it.
RANGES = {
    name.removesuffix("From"): (name, name.removesuffix("From") + "To")
    for name, item in PhoneNumberFilter.base_filters.items()
    if isinstance(item, django_filters.IsoDateTimeFilter) and name.endswith("From")
}
_NOT_EXACT = {"search", *(bound for bounds in RANGES.values() for bound in bounds)}
# Exact filters: the FilterSet's other filters, and the table row's name for the owner.
EXACT = {name: name for name in PhoneNumberFilter.base_filters if name not in _NOT_EXACT}
EXACT["organizationId"] = "businessId"
SEARCH_FIELDS = {"name", "number"}

UNKNOWN_FILTER = "Unknown filter field {field!r}. Exact filters: {known}."
UNKNOWN_RANGE = "Unknown range field {field!r}. Range fields: {known}."
NOT_SCALAR = "Must be a string, or true or false."
NOT_DATETIME = "Must be an ISO 8601 date-time string."
EXCLUSIVE = "Exclusive bounds are not supported: use greaterThanOrEqual or lessThanOrEqual."
NO_BOUND = "Give greaterThanOrEqual, lessThanOrEqual or both."
SEARCH_BOTH = "search looks in name and number together; searchFields may list only those two."


class ListOptions:
    """`params`: the request as query parameters; `location`: where each came from."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.params = QueryDict(mutable=True)
        self.location: dict[str, str] = {}
        self.errors: dict[str, list[str]] = {}
        self._paging(data)
        self._order(data.get("orderBy") or [])
        self._search(data)
        for index, item in enumerate(data.get("filters") or []):
            self._exact(f"filters[{index}]", item)
        for index, item in enumerate(data.get("rangeFilters") or []):
            self._range(f"rangeFilters[{index}]", item)
        if self.errors:
            raise ValidationError(self.errors)

    def in_body_terms(self, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
        """Errors keyed by query parameter (as the list reports them), keyed by body field."""
        return {self.location.get(name, name): messages for name, messages in errors.items()}

    def _add(self, param: str, value: str, location: str) -> None:
        self.params.appendlist(param, value)
        self.location.setdefault(param, location)

    def _paging(self, data: Mapping[str, Any]) -> None:
        if data.get("pageSize") is not None:
            self._add("pageSize", str(data["pageSize"]), "pageSize")
        if data.get("continuationToken") is not None:
            self._add("continuationToken", data["continuationToken"], "continuationToken")
        if data.get("includeCount") is not None:
            self._add("includeCount", "true" if data["includeCount"] else "false", "includeCount")

    def _order(self, options: list[Mapping[str, Any]]) -> None:
        if options:
            text = ",".join(
                ("-" if option.get("direction") == "desc" else "") + option["field"]
                for option in options
            )
            self._add("orderBy", text, "orderBy")

    def _search(self, data: Mapping[str, Any]) -> None:
        if data.get("search") is not None:
            self._add("search", data["search"], "search")
        fields = data.get("searchFields")
        if fields and set(fields) != SEARCH_FIELDS:
            self.errors["searchFields"] = [SEARCH_BOTH]

    def _exact(self, where: str, item: Mapping[str, Any]) -> None:
        field, value = item["field"], item["value"]
        if field not in EXACT:
            known = ", ".join(EXACT)
            self.errors[f"{where}.field"] = [UNKNOWN_FILTER.format(field=field, known=known)]
        elif isinstance(value, bool):
            self._add(EXACT[field], "true" if value else "false", f"{where}.value")
        elif isinstance(value, str):
            self._add(EXACT[field], value, f"{where}.value")
        else:
            self.errors[f"{where}.value"] = [NOT_SCALAR]

    def _range(self, where: str, item: Mapping[str, Any]) -> None:
        field = item["field"]
        if field not in RANGES:
            known = ", ".join(RANGES)
            self.errors[f"{where}.field"] = [UNKNOWN_RANGE.format(field=field, known=known)]
            return
        for bound in ("greaterThan", "lessThan"):
            if bound in item:
                self.errors[f"{where}.{bound}"] = [EXCLUSIVE]
        bounds = zip(("greaterThanOrEqual", "lessThanOrEqual"), RANGES[field], strict=True)
        given = [(name, param) for name, param in bounds if name in item]
        if not given and not any(bound in item for bound in ("greaterThan", "lessThan")):
            self.errors[where] = [NO_BOUND]
        for name, param in given:
            if isinstance(item[name], str):
                self._add(param, item[name], f"{where}.{name}")
            else:
                self.errors[f"{where}.{name}"] = [NOT_DATETIME]
