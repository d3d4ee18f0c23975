"""Units of a number's capacity handed out before the send is reported.

The outgoing-number selection answers "send from this number" many times a second, and
the sends it starts are reported (`POST /message-outcomes`, "sent" / "placed") only
afterwards, if at all. Were it to read the counters alone (warmup/capacity.py), fifty
selections in the same instant would all see the same number with room left and all
choose it. So each selection that says "send" *reserves* one unit: the number's usage in
every window is its reported sends plus its live reservations, and the reservation is
taken only if that stays within the minute's, hour's and day's limits, checked and
taken in one atomic step.

A reservation ends when a send from the number is reported (each reported send releases
its number's oldest reservation on the channel: the report cannot say which selection it
came from, and any one will do) or when it expires after OUTGOING_RESERVATION_SECONDS
(60), for a send that never happened or was never reported. Until then it counts against
the minute, the hour and the day it is in: at worst a unit held over a minute's end is
counted in the next minute as well, which errs on the side of the limit.

Where it lives: in Redis, beside the counters, as a sorted set of expiry times per number
and channel, with the check-and-take as one Lua script (exact across any number of
processes); without Redis (development), in the database, the check-and-take under a
lock of the number's row (exact too, and fine for one developer's traffic).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min

from phonenumbers_app.models import PhoneNumber
from warmup import capacity
from warmup.capacity import CountersUnavailable
from warmup.models import CapacityReservation as Reservation

logger = logging.getLogger(__name__)

# (minute, hour, day) of one channel: limits, or what is used (sent + reserved).
Windows = tuple[int, int, int]


def seconds() -> int:
    return settings.OUTGOING_RESERVATION_SECONDS


def _held_key(channel: str, phone_number_id: UUID | str) -> str:
    number = phone_number_id.hex if isinstance(phone_number_id, UUID) else phone_number_id
    return f"warmup:held:{channel}:{number}"


def _counter_keys(
    channel: str, phone_number_id: UUID, now: datetime, windows: tuple | None = None
) -> list[str]:
    windows = windows or capacity.windows(now)
    return [capacity.key(channel, window, phone_number_id) for window in windows]


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


# --- Redis: one script call per read, per reservation and per batch of reports ----------

# KEYS: per number, its minute, hour and day counters and its reservations; ARGV[1]: now.
# Returns per number: minute, hour, day used, each with the live reservations added.
_READ = """
local out = {}
for i = 1, #KEYS, 4 do
    redis.call('ZREMRANGEBYSCORE', KEYS[i + 3], '-inf', ARGV[1])
    local held = redis.call('ZCARD', KEYS[i + 3])
    for j = 0, 2 do
        out[#out + 1] = tonumber(redis.call('GET', KEYS[i + j]) or '0') + held
    end
end
return out
"""

# KEYS: minute, hour, day counters, reservations. ARGV: the three limits, now, expiry,
# token. Returns {0 when reserved, else the first full window (1 minute, 2 hour, 3 day);
# then the minute's, hour's and day's use before it (sent + held)}.
_RESERVE = """
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[4])
local held = redis.call('ZCARD', KEYS[4])
local used = {}
local full = 0
for j = 1, 3 do
    used[j] = tonumber(redis.call('GET', KEYS[j]) or '0') + held
    if full == 0 and used[j] >= tonumber(ARGV[j]) then
        full = j
    end
end
if full == 0 then
    redis.call('ZADD', KEYS[4], ARGV[5], ARGV[6])
    redis.call('PEXPIREAT', KEYS[4], ARGV[5])
end
return {full, used[1], used[2], used[3]}
"""

# KEYS: reservations; ARGV[1]: now, ARGV[1 + i]: how many of KEYS[i] to release.
_RELEASE = """
for i, key in ipairs(KEYS) do
    redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
    redis.call('ZPOPMIN', key, ARGV[i + 1])
end
"""


@cache
def _script(client, source: str):
    return client.register_script(source)


def usage(phone_number_ids: Iterable[UUID], channel: str, *, now: datetime) -> dict[UUID, Windows]:
    """{number id: (minute, hour, day) used on `channel`}: reported sends plus live
    reservations. Raises CountersUnavailable."""
    ids = list(phone_number_ids)
    if not ids:
        return {}
    try:
        client = capacity.redis_client()
        if client is not None:
            keys = []
            windows = capacity.windows(now)  # the same for every number
            for number_id in ids:
                keys += [
                    *_counter_keys(channel, number_id, now, windows),
                    _held_key(channel, number_id),
                ]
            values = _script(client, _READ)(keys=keys, args=[_ms(now)])
            return {
                number_id: tuple(int(v) for v in values[3 * i : 3 * i + 3])
                for i, number_id in enumerate(ids)
            }
        counted = capacity.used(ids, now=now)
        held = _held_in_database(ids, channel, now)
    except CountersUnavailable:
        raise
    except Exception as error:
        raise CountersUnavailable(f"{type(error).__name__}: {error}") from error
    return {
        number_id: tuple(
            counted[number_id][channel][window] + held.get(number_id, 0)
            for window in capacity.WINDOWS
        )
        for number_id in ids
    }


def held(phone_number_id: UUID, *, now: datetime) -> dict[str, int]:
    """{channel: live reservations} of one number (the status answer's used counts
    include them). Raises CountersUnavailable."""
    try:
        client = capacity.redis_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            for channel in capacity.CHANNELS:
                pipe.zcount(_held_key(channel, phone_number_id), f"({_ms(now)}", "+inf")
            return dict(zip(capacity.CHANNELS, (int(n) for n in pipe.execute()), strict=True))
        rows = (
            Reservation.objects.filter(phone_number=phone_number_id, expires_at__gt=now)
            .values("channel")
            .annotate(held=Count("id"))
            .order_by()
        )
        found = {row["channel"]: row["held"] for row in rows}
        return {channel: found.get(channel, 0) for channel in capacity.CHANNELS}
    except Exception as error:
        raise CountersUnavailable(f"{type(error).__name__}: {error}") from error


def used_now(phone_number_id: UUID, *, now: datetime) -> dict[str, dict[str, int]]:
    """{channel: {window: used}} of one number: its reported sends plus the units held
    for selected sends (how the status answer and the number page count). Raises
    CountersUnavailable."""
    used = capacity.used([phone_number_id], now=now)[phone_number_id]
    for channel, units in held(phone_number_id, now=now).items():
        used[channel] = {window: n + units for window, n in used[channel].items()}
    return used


@dataclass(frozen=True)
class Standing:
    """A number's use on a channel split in its parts: the reported sends per window, the
    units held, and when the first held unit expires."""

    counted: Windows
    held: int
    first_expiry: datetime | None


def standing(
    phone_number_ids: Iterable[UUID], channel: str, *, now: datetime
) -> dict[UUID, Standing]:
    """{number id: Standing} on `channel` now (for saying when a full number frees up).
    Raises CountersUnavailable."""
    ids = list(phone_number_ids)
    if not ids:
        return {}
    try:
        counted = capacity.used(ids, now=now)
        client = capacity.redis_client()
        if client is not None:
            pipe = client.pipeline(transaction=False)
            for number_id in ids:
                key = _held_key(channel, number_id)
                pipe.zcount(key, f"({_ms(now)}", "+inf")
                pipe.zrangebyscore(key, f"({_ms(now)}", "+inf", start=0, num=1, withscores=True)
            replies = pipe.execute()
            held = {
                number_id: (
                    int(replies[2 * i]),
                    _from_ms(replies[2 * i + 1][0][1]) if replies[2 * i + 1] else None,
                )
                for i, number_id in enumerate(ids)
            }
        else:
            rows = (
                Reservation.objects.filter(
                    phone_number__in=ids, channel=channel, expires_at__gt=now
                )
                .values("phone_number")
                .annotate(held=Count("id"), first=Min("expires_at"))
                .order_by()
            )
            held = {row["phone_number"]: (row["held"], row["first"]) for row in rows}
    except Exception as error:
        raise CountersUnavailable(f"{type(error).__name__}: {error}") from error
    return {
        number_id: Standing(
            counted=tuple(counted[number_id][channel][w] for w in capacity.WINDOWS),
            held=held.get(number_id, (0, None))[0],
            first_expiry=held.get(number_id, (0, None))[1],
        )
        for number_id in ids
    }


def _from_ms(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@dataclass(frozen=True)
class Taken:
    """What an attempt to reserve found: when the unit it took expires (None: a window
    was full and nothing was taken), and the use (sent + held) before it."""

    until: datetime | None
    used: Windows


def reserve(
    phone_number_id: UUID, channel: str, limits: Windows, *, now: datetime
) -> datetime | None:
    """Take one unit of the number's capacity on `channel` if its minute, hour and day
    stay within `limits`: when the reservation expires, or None when a window is full.
    Raises CountersUnavailable."""
    return take(phone_number_id, channel, limits, now=now).until


def take(phone_number_id: UUID, channel: str, limits: Windows, *, now: datetime) -> Taken:
    """reserve(), saying also what the number had used: one atomic step that needs no
    read before it."""
    expires_at = now + timedelta(seconds=seconds())
    try:
        client = capacity.redis_client()
        if client is not None:
            keys = _counter_keys(channel, phone_number_id, now)
            full, *used = _script(client, _RESERVE)(
                keys=[*keys, _held_key(channel, phone_number_id)],
                args=[*limits, _ms(now), _ms(expires_at), secrets.token_hex(8)],
            )
            return Taken(None if full else expires_at, tuple(int(n) for n in used))
        return _reserve_in_database(phone_number_id, channel, limits, now, expires_at)
    except CountersUnavailable:
        raise
    except Exception as error:
        raise CountersUnavailable(f"{type(error).__name__}: {error}") from error


def release(sent: Mapping[tuple[UUID, str], int], *, now: datetime) -> None:
    """Each reported send releases its number's oldest live reservation on the channel.
    `sent`: {(number id, channel): sends}. Never raises: a failure is logged, and the
    reservations expire on their own."""
    sent = {key: count for key, count in sent.items() if count > 0}
    if not sent:
        return
    try:
        client = capacity.redis_client()
        if client is not None:
            keys = [_held_key(channel, number_id) for number_id, channel in sent]
            _script(client, _RELEASE)(keys=keys, args=[_ms(now), *sent.values()])
            return
        _release_in_database(sent, now)
    except Exception as error:  # reservations are advice that expires: never fail a report
        logger.warning("Reservations not released: %s: %s", type(error).__name__, error)


# --- The database, without Redis ----------------------------------------------------


def _held_in_database(ids: list[UUID], channel: str, now: datetime) -> dict[UUID, int]:
    rows = (
        Reservation.objects.filter(phone_number__in=ids, channel=channel, expires_at__gt=now)
        .values("phone_number")
        .annotate(held=Count("id"))
        .order_by()
    )
    return {row["phone_number"]: row["held"] for row in rows}


def _reserve_in_database(
    phone_number_id: UUID, channel: str, limits: Windows, now: datetime, expires_at: datetime
) -> Taken:
    with transaction.atomic():
        # The number's row is the lock: concurrent reservations of it take turns.
        PhoneNumber.objects.select_for_update().filter(pk=phone_number_id).values("pk").first()
        held = Reservation.objects.filter(phone_number=phone_number_id, channel=channel)
        held.filter(expires_at__lte=now).delete()
        counted = capacity.used([phone_number_id], now=now)[phone_number_id][channel]
        live = held.count()
        used = tuple(counted[window] + live for window in capacity.WINDOWS)
        if any(n >= limit for n, limit in zip(used, limits, strict=True)):
            return Taken(None, used)
        Reservation.objects.create(
            phone_number_id=phone_number_id, channel=channel, expires_at=expires_at
        )
    return Taken(expires_at, used)


def _release_in_database(sent: Mapping[tuple[UUID, str], int], now: datetime) -> None:
    for (number_id, channel), count in sent.items():
        live = Reservation.objects.filter(
            phone_number=number_id, channel=channel, expires_at__gt=now
        )
        oldest = list(live.order_by("expires_at", "id").values_list("pk", flat=True)[:count])
        Reservation.objects.filter(pk__in=oldest).delete()
        Reservation.objects.filter(phone_number=number_id, expires_at__lte=now).delete()
