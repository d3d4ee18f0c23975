"""The list pages' query strings: what a form sent, and links that change one thing."""

from __future__ import annotations

from django.http import QueryDict


def filled(params: QueryDict) -> QueryDict:
    """The query without empty fields (an empty form field means "no filter")."""
    filled = QueryDict(mutable=True)
    for key, values in params.lists():
        values = [value for value in values if value != ""]
        if values:
            filled.setlist(key, values)
    return filled


def with_changes(params, **changes) -> str:
    query = params.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode()
