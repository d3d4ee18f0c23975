"""Per-caller rate limit, counted in the shared cache so every web process sees one count.

A fixed window: requests `incr` the window's counter (atomic on Redis), the first
one `add`s it. 429 answers say in Retry-After when the window ends.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

_PERIODS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "300/min" → (300, 60)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


class CallerRateThrottle(BaseThrottle):
    """settings.API_RATE_LIMIT per API key's user, or per client IP when anonymous."""

    def allow_request(self, request, view) -> bool:
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        user = request.user
        ident = (
            f"user:{user.pk}"
            if user is not None and user.is_authenticated
            else (f"ip:{self.get_ident(request)}")
        )
        now = time.time()
        window = int(now // period)
        key = f"ratelimit:{ident}:{period}:{window}"
        try:
            count = cache.incr(key)  # the common case: the window's counter exists
        except ValueError:
            # First request of the window. If another process adds it first, count on it.
            count = 1 if cache.add(key, 1, timeout=period + 1) else cache.incr(key)
        self._wait = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float:
        return self._wait
