"""The windows sending is counted in: minutes, and hours and days on US Eastern time.

The published document resets daily capacity at midnight Eastern and hourly capacity at
the start of the Eastern hour. Days are 23 or 25 hours long when the clocks change;
every function here takes and returns aware datetimes, so that arithmetic is zoneinfo's.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def eastern_day(at: datetime) -> date:
    """The Eastern calendar day `at` falls on (a stats row's `day`)."""
    return at.astimezone(EASTERN).date()


def day_start(day: date) -> datetime:
    """Midnight Eastern at the start of `day`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=EASTERN).astimezone(UTC)


def next_midnight(at: datetime) -> datetime:
    """When the daily window containing `at` ends (the next midnight Eastern), in UTC."""
    return day_start(eastern_day(at) + timedelta(days=1))


def hour_start(at: datetime) -> datetime:
    """The start of the Eastern hour containing `at`, in UTC.

    Eastern offsets are whole hours, so this is also the UTC hour; in the repeated hour of
    November's change the two Eastern 1 a.m. hours are told apart by their UTC instants.
    """
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def next_hour(at: datetime) -> datetime:
    return hour_start(at) + timedelta(hours=1)


def minute_start(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def next_minute(at: datetime) -> datetime:
    return minute_start(at) + timedelta(minutes=1)
