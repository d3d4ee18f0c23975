"""The client's address, read the one way the whole app reads it."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or NUM_PROXIES hops from the right of X-Forwarded-For behind proxies.

    DRF's reading (the API's rate limit uses it), so the login lockout counts the same
    address: with NUM_PROXIES=0 a forged X-Forwarded-For is ignored.
    """
    return BaseThrottle().get_ident(request) or None
