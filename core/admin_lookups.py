"""Changelist lookups from the URL that the database would refuse with an error page.

The admin applies any `<field>__<lookup>=value` of the query string to the queryset
(e.g. `?created_at__gte=2024-01-01T00:00:00+16:00`). Values Django cannot parse it
already answers by redirecting to `?e=1`; a datetime whose UTC offset is beyond ±15:59
parses in Python but PostgreSQL refuses it when the query runs, a 500. This mixin
drops such a filter before the changelist is built and says why.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.dateparse import parse_datetime

from core.values import OFFSET_OUT_OF_RANGE, utc_offset_in_range

FILTER_DROPPED = "Filter {name}={value} was not applied: {reason}"


def _refused_offset(value: str) -> bool:
    """Whether some datetime in `value` (comma-separated for __in/__range) has one."""
    for part in value.split(","):
        try:
            parsed = parse_datetime(part.strip())
        except ValueError:
            continue  # Django itself refuses this value (the changelist's ?e=1)
        if parsed is not None and not utc_offset_in_range(parsed):
            return True
    return False


class DateTimeLookupOffsetMixin:
    """For ModelAdmins: refuse, with a message, datetime filters PostgreSQL cannot run."""

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        refused = [
            (name, value)
            for name, values in request.GET.lists()
            if self._is_datetime_lookup(name)
            for value in values
            if _refused_offset(value)
        ]
        if not refused:
            return super().changelist_view(request, extra_context)
        for name, value in refused:
            messages.error(
                request, FILTER_DROPPED.format(name=name, value=value, reason=OFFSET_OUT_OF_RANGE)
            )
        names = {name for name, _ in refused}
        kept = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in names
            for value in values
        ]
        return HttpResponseRedirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)

    def _is_datetime_lookup(self, name: str) -> bool:
        try:
            field = self.model._meta.get_field(name.split(LOOKUP_SEP, 1)[0])
        except FieldDoesNotExist:
            return False
        return isinstance(field, models.DateTimeField)
