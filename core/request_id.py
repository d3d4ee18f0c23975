"""The request id: one per request, in every log line of it and in its response.

A client or proxy may send its own in X-Request-ID (to follow one call across systems);
it is kept only when it looks like an id, so nobody writes what they like into the logs.
Any other value, or none, is replaced by a new UUID. django-structlog's middleware (next
in MIDDLEWARE) reads the header as this middleware leaves it and binds it to structlog's
context as `request_id`, which the tasks the request sends carry on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"
# The structlog.contextvars key others read (the error reporter attaches it to events).
CONTEXT_KEY = "request_id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def sane_request_id(value: str | None) -> str:
    """`value` when it is 1 to 128 characters of letters, digits and `._:-`; else a new id."""
    if value and _SANE.fullmatch(value):
        return value
    return str(uuid.uuid4())


def current_request_id() -> str | None:
    """The id of the request (or of the request that sent the task) being served, if any."""
    return structlog.contextvars.get_contextvars().get(CONTEXT_KEY)


class RequestIdMiddleware:
    """Settles the request's id before anything logs, and returns it in X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = sane_request_id(request.META.get(META_KEY))
        request.META[META_KEY] = request_id
        request.request_id = request_id
        response = self.get_response(request)
        response[HEADER] = request_id
        return response
