"""The changelists' querysets: date-hierarchy links from index bounds, not a DISTINCT scan."""

from __future__ import annotations

import datetime

from django.db.models import Max, Min

from phonenumbers_app.models import AppendOnlyQuerySet, PhoneNumberQuerySet


def _periods(first: datetime.datetime, last: datetime.datetime, kind: str) -> list:
    """Every year, month or day from `first` to `last`, truncated to its start."""
    if kind == "year":
        return [first.replace(year=y, month=1, day=1) for y in range(first.year, last.year + 1)]
    if kind == "month":
        periods, year, month = [], first.year, first.month
        while (year, month) <= (last.year, last.month):
            periods.append(first.replace(year=year, month=month, day=1))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return periods
    days = (last.date() - first.date()).days
    return [first + datetime.timedelta(days=offset) for offset in range(days + 1)]


class BoundedDatetimesMixin:
    """datetimes() answered from MIN/MAX (two index lookups) instead of SELECT DISTINCT.

    The admin's date hierarchy asks which years, months or days have rows; at a
    million numbers (or three million events) a DISTINCT over created_at reads the
    whole index on every page view. Listing every period between the first and the
    last row instead costs two index probes; a period with no rows is possible and
    shows an empty list.
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        bounds = self.order_by().aggregate(first=Min(field_name), last=Max(field_name))
        first, last = bounds["first"], bounds["last"]
        if first is None:
            return []
        start = first.replace(hour=0, minute=0, second=0, microsecond=0)
        periods = _periods(start, last, kind)
        return periods if order == "ASC" else list(reversed(periods))


class ChangeListQuerySet(BoundedDatetimesMixin, PhoneNumberQuerySet):
    """The phone-number changelist's queryset."""


class EventChangeListQuerySet(BoundedDatetimesMixin, AppendOnlyQuerySet):
    """The events changelist's queryset."""


def with_bounded_datetimes(queryset, cls):
    """`queryset` as an instance of `cls` (a BoundedDatetimesMixin queryset)."""
    return cls(model=queryset.model, query=queryset.query, using=queryset.db)
