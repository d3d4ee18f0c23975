"""Request metrics: latency per route and status, and database queries per request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

from core.metrics import HTTP_REQUEST_DB_QUERIES, HTTP_REQUEST_SECONDS

# A path no URL pattern matched (404s, scanners' probes): one label value for all of
# them, so that what clients make up cannot grow the series without bound.
UNMATCHED = "<unmatched>"
# Methods outside this set are clients' inventions (anything goes in a request line).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _QueryCounter:
    """An execute wrapper (Django's hook around every statement) that only counts."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered, e.g. "phone-numbers/<uuid:id>" (its template, not
    the path: one series per route however many ids there are)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return UNMATCHED
    return match.route


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so the time covers every other middleware too.

    Queries are counted on the default database's connection of this thread, for the
    statements the request's own code runs. A streaming response's body (CSV exports)
    is produced after this returns: its time and queries are not in the figures.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        counter = _QueryCounter()
        started = time.perf_counter()
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(counter):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in METHODS else "other"
        route = route_of(request)
        HTTP_REQUEST_SECONDS.labels(method, route, str(response.status_code)).observe(elapsed)
        HTTP_REQUEST_DB_QUERIES.labels(method, route).observe(counter.count)
        return response
