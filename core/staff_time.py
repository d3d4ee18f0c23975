"""How staff pages (/ops/ and /admin/) write moments and amounts: moments on US Eastern
time, the warmup's clock, in one format; the API and everything else stay on UTC."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from warmup.clock import EASTERN

STAFF_PREFIXES = ("/ops/", "/admin/")
# The one way staff pages write a moment: US Eastern time (the warmup's clock, where its
# days and hours reset), to the minute, with the zone, e.g. "2026-11-27 20:01 EST".
MOMENT_FORMAT = "%Y-%m-%d %H:%M %Z"
# The currency of billing amounts. The contract's billing has no currency field; the
# numbers are US numbers billed in US dollars, so the pages say so rather than show a
# bare "1.15".
BILLING_CURRENCY = "USD"


def moment_text(value: datetime.datetime) -> str:
    """`value` as staff pages write it: "2026-11-27 20:01 EST"."""
    return value.astimezone(EASTERN).strftime(MOMENT_FORMAT)


def money_text(amount: Decimal) -> str:
    """A billing amount as staff pages write it: "$1,234.50 USD"."""
    return f"${amount:,.2f} {BILLING_CURRENCY}"


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
