"""Cursor (keyset) paging with the envelope of the public API.

`{items, pageSize, totalCount, continuationToken}`: the token is DRF's opaque,
encoded cursor; `totalCount` is null unless the caller asks with
`includeCount=true`, because COUNT(*) over a large table costs more than the page.
"""

from __future__ import annotations

from typing import Any
from urllib import parse

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

TRUE_VALUES = {"true", "1"}
BAD_TOKEN = "Invalid continuationToken: pass back the value of a previous response unchanged."


class ContinuationTokenPagination(CursorPagination):
    cursor_query_param = "continuationToken"
    page_size_query_param = "pageSize"
    page_size = 50
    max_page_size = 500
    ordering = ("-created_at", "-pk")

    def paginate_queryset(self, queryset, request, view=None):
        self.include_count = request.query_params.get("includeCount", "").lower() in TRUE_VALUES
        self.total_count = queryset.count() if self.include_count else None
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {"pageSize": [f"Must be an integer from 1 to {self.max_page_size}."]}
            )
        return size

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF raises NotFound for a bad cursor; it is a bad request.
            raise ValidationError({"continuationToken": [BAD_TOKEN]}) from exc

    def _token(self) -> str | None:
        link = self.get_next_link()
        if link is None:
            return None
        query = parse.parse_qs(parse.urlparse(link).query)
        return query[self.cursor_query_param][0]

    def get_paginated_response(self, data: list[dict[str, Any]]) -> Response:
        return Response(
            {
                "items": data,
                "pageSize": self.page_size,
                "totalCount": self.total_count,
                "continuationToken": self._token(),
            }
        )
