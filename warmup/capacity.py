"""How much each number has sent this minute, hour and day, in counters every process shares.

`sent` SMS/MMS and `placed` calls add to their number's counters for the minute, the
Eastern hour and the Eastern day they happened in (warmup/clock.py). The counters live in
Redis when `REDIS_URL` is set (one pipelined round trip per batch), otherwise in the
project's shared cache (the database), which is fine for development but not for
production traffic. They expire when their window has passed.

Capacity is advice for the sender: when the counters cannot be reached, outcomes are
still recorded (the daily stats hold the truth) and reads say `capacityAvailable: false`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.cache import cache as shared_cache

from warmup import clock

logger = logging.getLogger(__name__)

SMS, VOICE = "sms", "voice"
CHANNELS = (SMS, VOICE)
WINDOWS = ("minute", "hour", "day")
# Kept a little past their window, so a report that arrives late still finds its count.
GRACE_SECONDS = 120


class CountersUnavailable(Exception):
    """The shared counters could not be read."""


@dataclass(frozen=True)
class Window:
    name: str
    key: str  # the window's identity in counter keys
    resets_at: datetime


def windows(at: datetime) -> tuple[Window, Window, Window]:
    """The minute, Eastern hour and Eastern day containing `at`."""
    minute, hour = clock.minute_start(at), clock.hour_start(at)
    return (
        Window("minute", str(int(minute.timestamp()) // 60), clock.next_minute(at)),
        Window("hour", str(int(hour.timestamp()) // 3600), clock.next_hour(at)),
        Window("day", clock.eastern_day(at).isoformat(), clock.next_midnight(at)),
    )


def key(channel: str, window: Window, phone_number_id: UUID | str) -> str:
    number = phone_number_id.hex if isinstance(phone_number_id, UUID) else phone_number_id
    return f"warmup:cap:{channel}:{window.name}:{window.key}:{number}"


@cache
def redis_client():
    """A client of REDIS_URL, or None (then the shared cache counts)."""
    if not settings.REDIS_URL:
        return None
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, **settings.REDIS_CACHE_OPTIONS)


_ADD_AND_EXPIRE = """
for i, key in ipairs(KEYS) do
    redis.call('INCRBY', key, ARGV[2 * i - 1])
    redis.call('EXPIRE', key, ARGV[2 * i])
end
"""


@cache
def _add_and_expire(client):
    """INCRBY and EXPIRE each key (ARGV: count, seconds per key), as one script call."""
    return client.register_script(_ADD_AND_EXPIRE)


def record_usage(used: Mapping[tuple[UUID, str, datetime], int], *, now: datetime) -> None:
    """Add `used[(phone_number_id, channel, occurred_at)]` to the counters of the windows
    each happened in. Never raises: a failure is logged and the counts are lost."""
    increments: dict[str, int] = {}
    expiries: dict[str, int] = {}
    # A batch's instants fall in few minutes, and an instant's windows are its minute's.
    by_minute: dict[datetime, tuple[Window, Window, Window]] = {}
    for (number_id, channel, occurred_at), count in used.items():
        minute = clock.minute_start(occurred_at)
        if minute not in by_minute:
            by_minute[minute] = windows(minute)
        for window in by_minute[minute]:
            ttl = int((window.resets_at - now).total_seconds()) + GRACE_SECONDS
            if ttl <= 0:
                continue  # its window ended long ago: nothing reads it any more
            counter = key(channel, window, number_id)
            increments[counter] = increments.get(counter, 0) + count
            expiries[counter] = max(expiries.get(counter, 0), ttl)
    if not increments:
        return
    try:
        client = redis_client()
        if client is not None:
            # One command for the whole batch: a pipeline of INCRBY and EXPIRE per key
            # cost redis-py 0.1-0.2 s to write and read for a 1,000-outcome batch.
            keys = list(increments)
            args = [value for k in keys for value in (increments[k], expiries[k])]
            _add_and_expire(client)(keys=keys, args=args)
        else:
            for counter, count in increments.items():
                if not shared_cache.add(counter, count, timeout=expiries[counter]):
                    shared_cache.incr(counter, count)
    except Exception as error:  # counting is advice: never fail the report
        logger.warning("Capacity counters not updated: %s: %s", type(error).__name__, error)


def used(
    phone_number_ids: Iterable[UUID], *, now: datetime
) -> dict[UUID, dict[str, dict[str, int]]]:
    """{number id: {channel: {window: used}}} now. Raises CountersUnavailable."""
    ids = list(phone_number_ids)
    current = windows(now)
    keys = [
        (number_id, channel, window.name, key(channel, window, number_id))
        for number_id in ids
        for channel in CHANNELS
        for window in current
    ]
    try:
        client = redis_client()
        if client is not None:
            values = client.mget([name for *_, name in keys]) if keys else []
        else:
            found = shared_cache.get_many([name for *_, name in keys])
            values = [found.get(name) for *_, name in keys]
    except Exception as error:
        raise CountersUnavailable(f"{type(error).__name__}: {error}") from error
    result: dict[UUID, dict[str, dict[str, int]]] = {
        number_id: {channel: {} for channel in CHANNELS} for number_id in ids
    }
    for (number_id, channel, window, _), value in zip(keys, values, strict=True):
        result[number_id][channel][window] = int(value or 0)
    return result


def resets(now: datetime) -> dict[str, datetime]:
    """{window: when it resets} for the windows containing `now`."""
    return {window.name: window.resets_at for window in windows(now)}


def remaining(limit: int, used_now: int) -> int:
    return max(0, limit - used_now)


def summary(limits: Any, used_now: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """{channel: {window: remaining}} under `limits` (warmup.plans.Limits)."""
    return {
        SMS: {
            "minute": remaining(limits.sms_minute, used_now[SMS]["minute"]),
            "hour": remaining(limits.sms_hour, used_now[SMS]["hour"]),
            "day": remaining(limits.sms_day, used_now[SMS]["day"]),
        },
        VOICE: {
            "minute": remaining(limits.voice_minute, used_now[VOICE]["minute"]),
            "hour": remaining(limits.voice_hour, used_now[VOICE]["hour"]),
            "day": remaining(limits.voice_day, used_now[VOICE]["day"]),
        },
    }
