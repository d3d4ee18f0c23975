"""Inbound provider events in the admin: read-only, newest first, and "process again"
for the failed ones."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from providers.models import ProviderEvent
from providers.webhooks.processing import event_retry
from providers.webhooks.tasks import event_process_later


@admin.register(ProviderEvent)
class ProviderEventAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "provider",
        "event_type",
        "event_id",
        "status",
        "attempts",
        "phone_number",
    )
    list_filter = ("provider", "status", "event_type")
    search_fields = ("=event_id",)
    ordering = ("-received_at",)
    list_select_related = ("phone_number",)
    show_full_result_count = False
    list_per_page = 100
    actions = ("process_again",)
    readonly_fields = [field.name for field in ProviderEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Process the selected failed events again")
    def process_again(self, request, queryset) -> None:
        again = 0
        for event in queryset.filter(status=ProviderEvent.Status.FAILED):
            if event_retry(event):
                transaction.on_commit(lambda pk=event.pk: event_process_later(pk.hex))
                again += 1
        skipped = queryset.count() - again
        self.message_user(
            request,
            f"{again} event(s) queued to be processed again"
            + (f"; {skipped} not failed, left alone." if skipped else "."),
            messages.SUCCESS if again else messages.WARNING,
        )
