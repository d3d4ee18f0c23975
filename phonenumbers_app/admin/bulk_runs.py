"""The record of /ops/'s bulk actions (BulkActionRun), read-only: who ran what, on how
many numbers, with what result. Each number's change is in its own history."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from phonenumbers_app.admin.records import ReadOnlyAdminMixin
from phonenumbers_app.models import BulkActionRun


@admin.register(BulkActionRun)
class BulkActionRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "action",
        "user",
        "status",
        "total",
        "done",
        "skipped",
        "failed",
        "finished_at",
    ]
    list_select_related = ["user"]
    list_filter = ["action", "status"]
    ordering = ["-started_at"]
    show_full_result_count = False
    readonly_fields = ["progress_page"]

    @admin.display(description="Progress page")
    def progress_page(self, run: BulkActionRun) -> str:
        url = reverse("ops:bulk-run", args=[run.pk])
        return format_html('<a href="{}">{}</a>', url, url)
