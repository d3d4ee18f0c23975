"""The staff pages (/ops/ and /admin/) show moments on US Eastern time, the warmup's
clock, as the /ops pages' own dates do; the API and everything else stay on UTC."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from warmup.clock import EASTERN

STAFF_PREFIXES = ("/ops/", "/admin/")


class StaffTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(STAFF_PREFIXES):
            return self.get_response(request)
        timezone.activate(EASTERN)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
