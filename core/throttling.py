"""Per-caller rate limit, counted in the shared cache so every web process sees one count.

A fixed window: requests `incr` the window's counter (atomic on Redis), the first
one `add`s it. 429 answers say in Retry-After when the window ends.

When the cache fails (Redis down or hanging, the cache table unreachable) the
request is let through unthrottled: a rate limit is a guard, and losing it for a
while costs less than answering every call with a 500. Each such request is
counted in CACHE_FAILURES (per process) and logged as a warning at most once per
`warn_every` seconds, so a dead Redis does not write a line per request.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from core.metrics import RATE_LIMIT_CACHE_FAILURES, RATE_LIMIT_REFUSALS

logger = logging.getLogger(__name__)

# What a failing cache raises: redis-py's errors (connection refused, timeouts, OOM,
# READONLY), the database cache's, and socket errors. Not ValueError ("no such key",
# part of counting) and not programming errors, which must still surface.
CACHE_ERRORS: tuple[type[Exception], ...] = (RedisError, DatabaseError, OSError)


class CacheFailures:
    """Requests this process let through because the cache failed; warns at most every N s.

    An in-process count that /readyz shows (tests read `count`), and the same in
    Prometheus (inventory_rate_limit_cache_failures_total, summed over processes).
    Thread-safe, as web processes may run threads.
    """

    def __init__(self, warn_every: float) -> None:
        self.warn_every = warn_every
        self.count = 0
        self._lock = threading.Lock()
        self._last_warning: float | None = None
        self._quiet = 0  # failures since the last warning, not logged on their own

    def record(self, error: Exception) -> None:
        RATE_LIMIT_CACHE_FAILURES.inc()
        with self._lock:
            self.count += 1
            now = time.monotonic()
            if self._last_warning is not None and now - self._last_warning < self.warn_every:
                self._quiet += 1
                return
            quiet, self._quiet, self._last_warning = self._quiet, 0, now
        logger.warning(
            "Rate limit not applied: the cache failed (%s: %s); requests pass unthrottled "
            "until it answers again. %d more since the last warning; %d in this process.",
            type(error).__name__,
            error,
            quiet,
            self.count,
        )

    def forget_last_warning(self) -> None:
        """Let the next failure warn at once (tests start from a known state)."""
        with self._lock:
            self._last_warning = None
            self._quiet = 0


CACHE_FAILURES = CacheFailures(warn_every=60.0)


class CallerRateThrottle(SimpleRateThrottle):
    """settings.API_RATE_LIMIT per API key's user, or per client IP when anonymous.

    DRF's SimpleRateThrottle reads the rate ("300/min"); the counting is ours (above).
    """

    def get_rate(self) -> str:
        return settings.API_RATE_LIMIT

    def allow_request(self, request, view) -> bool:
        limit, period = self.num_requests, self.duration
        user = request.user
        ident = (
            f"user:{user.pk}"
            if user is not None and user.is_authenticated
            else (f"ip:{self.get_ident(request)}")
        )
        now = time.time()
        window = int(now // period)
        key = f"ratelimit:{ident}:{period}:{window}"
        self._wait = (window + 1) * period - now
        try:
            count = _count(key, timeout=period + 1)
        except CACHE_ERRORS as error:
            CACHE_FAILURES.record(error)
            return True
        if count > limit:
            RATE_LIMIT_REFUSALS.inc()
            return False
        return True

    def wait(self) -> float:
        return self._wait


def _count(key: str, *, timeout: int) -> int:
    """Add one to the window's counter in the shared cache; the new count."""
    try:
        return cache.incr(key)  # the common case: the window's counter exists
    except ValueError:
        # First request of the window. If another process adds it first, count on it.
        return 1 if cache.add(key, 1, timeout=timeout) else cache.incr(key)
