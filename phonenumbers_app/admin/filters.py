"""Sidebar filters with fixed choices: none of them scans the phone-number table."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet

from businesses.selectors import BusinessNotFound, business_by_id_or_name
from phonenumbers_app.vocabularies import PROVIDERS, TenDlcCampaignStatus


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
            "others": [
                (key, value)
                for key, value in changelist.get_filters_params().items()
                if key != self.parameter_name
            ],
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
