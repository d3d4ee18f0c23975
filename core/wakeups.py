"""Waking a worker once per burst of work instead of once per item.

A writer that queues work (an inbound webhook stored, an outbound webhook message
written) calls `Wakeup.request()`; it sends the drain task only when no drain is pending
(a key in the shared cache says so). The drain clears the key before it looks for work,
so an item written after it looked sends a new drain, and none waits for a sweep.

The flag is one SET NX per item. With Redis (production), this process's own client does
it: Django's cache builds a new client object per call, which cost an inbound webhook a
third of its CPU time. Without Redis, the cache (the database) holds the flag.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache as once

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


@once
def _redis():
    import redis

    return redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=0.25, socket_connect_timeout=0.25
    )


class Wakeup:
    """The "a drain is pending" flag of one kind of work.

    `seconds`: how long a flag outlives a drain that was lost with it set (the longest a
    new item can then wait for the next sweep).
    """

    def __init__(self, key: str, *, seconds: int) -> None:
        self.key, self.seconds = key, seconds

    def request(self, send: Callable[[], object], *, what: str) -> None:
        """Call `send` (which sends the drain task) unless a drain is pending. A broker or
        cache that is down loses nothing (the sweep finds the work), so the caller is
        never failed for it."""
        try:
            if self.raise_flag():
                send()
        except Exception as error:
            logger.warning("Could not queue %s (%s)", what, type(error).__name__)

    def raise_flag(self) -> bool:
        """Raise the flag; whether this caller raised it."""
        if settings.REDIS_URL:
            return bool(_redis().set(self.key, 1, nx=True, ex=self.seconds))
        return cache.add(self.key, 1, timeout=self.seconds)

    def clear(self) -> None:
        if settings.REDIS_URL:
            _redis().delete(self.key)
        else:
            cache.delete(self.key)

    def is_set(self) -> bool:
        if settings.REDIS_URL:
            return bool(_redis().exists(self.key))
        return cache.get(self.key) is not None
