"""The API's list paging as a DRF pagination class, on core.keyset's keyset pages.

A list view reads its page through `KeysetPagination`: `orderBy` (when the list offers
more than one order), `pageSize`, `continuationToken` and `includeCount`, answering the
envelope {items, pageSize, totalCount, continuationToken}. drf-spectacular documents
the parameters and the page schema from this class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from core.keyset import KeysetPage, KeysetParams, Ordering, SortField, parse_ordering


def list_params(request: Request, view: Any) -> Mapping:
    """What a list is asked for: the query string, or `view.list_params` when the view
    translated a request body into the same parameters (one list, two request shapes)."""
    params = getattr(view, "list_params", None)
    return request.query_params if params is None else params


class KeysetPagination(BasePagination):
    """Keyset pages in `sort_fields` order (`default_order` without `orderBy`).

    Subclasses set `sort_fields`, `default_order` and `page_component` (the name of
    the page's schema). With one sort field the list has one order and no `orderBy`
    parameter; without `count` it documents no `includeCount`.
    """

    sort_fields: dict[str, SortField]
    default_order: str
    page_component: str
    count: bool = True

    ordering: Ordering | None = None
    paging: KeysetParams | None = None

    @property
    def orderable(self) -> bool:
        return len(self.sort_fields) > 1

    def query_parameters(self) -> tuple[str, ...]:
        """The query parameters this class reads (a strict filter backend allows them)."""
        names = ["pageSize", "continuationToken"]
        if self.count:
            names.append("includeCount")
        if self.orderable:
            names.append("orderBy")
        return tuple(names)

    def parse(self, params: Mapping) -> None:
        """Read ordering and paging from `params`; one ValidationError with all their errors."""
        errors: dict[str, list[str]] = {}
        try:
            self.ordering = parse_ordering(
                params.get("orderBy") if self.orderable else None,
                allowed=self.sort_fields,
                default=self.default_order,
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            self.paging = KeysetParams(params)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list:
        if self.paging is None:
            self.parse(list_params(request, view))
        # The view's selector decides how a page's rows are read (e.g. the numbers'
        # ids first, then their joined rows); plain evaluation otherwise.
        fetch: Callable[[QuerySet], list] = getattr(view, "fetch_page", None) or list
        self.queryset = queryset
        self.page = KeysetPage(
            queryset,
            ordering=self.ordering,
            size=self.paging.size,
            token=self.paging.token,
            fetch=fetch,
        )
        return self.page.items

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "items": data,
                "pageSize": self.paging.size,
                "totalCount": (
                    self.queryset.order_by().count() if self.paging.include_count else None
                ),
                "continuationToken": self.page.next_token,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        total: dict[str, Any] = {"type": ["integer", "null"]}
        token: dict[str, Any] = {"type": ["string", "null"]}
        if self.count:
            total["description"] = "Null unless the request says includeCount=true."
            token["description"] = "Pass back to get the next page; null on the last page."
        return {
            "type": "object",
            "properties": {
                "items": schema,
                "pageSize": {"type": "integer"},
                "totalCount": total,
                "continuationToken": token,
            },
            "required": ["continuationToken", "items", "pageSize", "totalCount"],
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        size = KeysetParams
        parameters = [
            _query(
                "pageSize",
                {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": size.MAX_SIZE,
                    "default": size.DEFAULT_SIZE,
                },
                f"Items per page, 1-{size.MAX_SIZE}.",
            ),
            _query("continuationToken", {"type": "string"}, "From the previous page."),
        ]
        if self.count:
            parameters.append(
                _query(
                    "includeCount", {"type": "boolean"}, "Also compute totalCount (costs a COUNT)."
                )
            )
        if self.orderable:
            parameters.append(
                _query(
                    "orderBy",
                    {"type": "string"},
                    "Comma-separated fields, `-` for descending, e.g. `-createdAt,name`. "
                    f"Fields: {', '.join(self.sort_fields)}.",
                )
            )
        return parameters


def _query(name: str, schema: dict, description: str) -> dict:
    return {"in": "query", "name": name, "schema": schema, "description": description}
