"""Reconciliation reports and their findings in the admin, read-only: they are what a
comparison found and what operators chose (on /ops/reconciliation/), never edited."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from providers.models import ReconciliationFinding, ReconciliationReport


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ReconciliationReport)
class ReconciliationReportAdmin(ReadOnly):
    list_display = (
        "started_at",
        "provider",
        "status",
        "dry_run",
        "at_provider",
        "in_inventory",
        "matched",
        "finished_at",
    )
    list_filter = ("provider", "status", "dry_run")
    date_hierarchy = "started_at"
    ordering = ("-started_at",)


@admin.register(ReconciliationFinding)
class ReconciliationFindingAdmin(ReadOnly):
    list_display = (
        "number",
        "kind",
        "report",
        "provider_phone_number_id",
        "resolution",
        "resolved_by",
        "resolved_at",
    )
    list_filter = ("kind", "resolution", "report__provider")
    search_fields = ("=number", "=provider_phone_number_id")
    list_select_related = ("report", "resolved_by")
    raw_id_fields = ("report", "phone_number", "resolved_by")
    ordering = ("-report__started_at", "kind", "number")
    # A first run against a large account can find tens of thousands: no full count.
    show_full_result_count = False
    list_per_page = 100
