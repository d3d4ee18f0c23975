"""Sidebar filters with fixed choices: none of them scans the phone-number table."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet

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
