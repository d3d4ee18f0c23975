"""Sidebar filters with fixed choices: none of them scans the phone-number table."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from businesses.selectors import BusinessNotFound, business_by_id_or_name
from phonenumbers_app.vocabularies import PROVIDERS, TenDlcCampaignStatus


def other_parameters(changelist, *, keep: Callable[[str], bool]) -> list[tuple[str, str]]:
    """(name, value) of the list's other filters, for hidden fields of a filter's own form:
    one pair per value (Django keeps each parameter's values as a list)."""
    return [
        (key, value)
        for key, values in changelist.get_filters_params().items()
        if keep(key)
        for value in (values if isinstance(values, list) else [values])
    ]


class ProviderFilter(admin.SimpleListFilter):
    title = "provider"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        return [(provider, provider) for provider in PROVIDERS]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return queryset.filter(provider=self.value()) if self.value() else queryset


class CampaignStatusFilter(admin.SimpleListFilter):
    title = "10DLC campaign status"
    parameter_name = "campaign_status"

    def lookups(self, request, model_admin):
        return TenDlcCampaignStatus.choices

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(ten_dlc__campaign_status=self.value())
        return queryset


class BusinessFilter(admin.SimpleListFilter):
    """A business by name or id, typed: a sidebar of a thousand business links helps nobody
    and costs every page view the rendering of them all."""

    title = "business"
    parameter_name = "business"
    template = "admin/phonenumbers_app/input_filter.html"

    def lookups(self, request, model_admin):
        return [("", "")]  # the template renders a text box, not links

    def choices(self, changelist):
        # Everything else in the query string, kept as hidden fields of the box's form.
        yield {
            "value": self.value() or "",
            "parameter_name": self.parameter_name,
            "others": other_parameters(changelist, keep=lambda key: key != self.parameter_name),
        }

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        if not value:
            return queryset
        # The business first (one small look-up), then its numbers by the indexed id.
        try:
            business = business_by_id_or_name(value=value)
        except BusinessNotFound as error:
            messages.warning(request, str(error))
            return queryset.none()
        return queryset.filter(business_id=business.pk)


class DateRangeFilter(admin.DateFieldListFilter):
    """Today, the past 7 days, this month, this year, or any dates typed: from, before.

    It replaces the date hierarchy, whose links come from the rows themselves: a
    DISTINCT (or MIN/MAX) over the filtered rows on every page view, repeating the
    search and the filters (1.2 s on the events admin at three million events).
    These links and boxes cost no query. The boxes fill the same `__gte`/`__lt`
    parameters as the links; a date typed means midnight in the site's time zone.
    """

    template = "admin/phonenumbers_app/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.since = self.date_params.get(self.lookup_kwarg_since, "")
        self.until = self.date_params.get(self.lookup_kwarg_until, "")
        # A bare date would reach the query as a naive datetime (a warning, and UTC
        # midnight); read it as midnight where the operators are.
        # A box left empty is no bound.
        used = {
            key: [_aware_midnight(value) for value in values if value != ""]
            for key, values in self.used_parameters.items()
        }
        self.used_parameters = {key: values for key, values in used.items() if values}

    def choices(self, changelist):
        yield from super().choices(changelist)
        # The boxes' form keeps every other parameter of the list as hidden fields.
        self.others = other_parameters(
            changelist, keep=lambda key: not key.startswith(self.field_generic)
        )


def _aware_midnight(value):
    date = parse_date(value) if isinstance(value, str) else None
    if date is None:
        return value  # a datetime, or nonsense the admin itself refuses
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))
