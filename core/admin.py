from django.contrib import admin

from core.admin_lookups import DateTimeLookupOffsetMixin
from core.models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(DateTimeLookupOffsetMixin, admin.ModelAdmin):
    """Read-only: what a retry with an Idempotency-Key would get back."""

    list_display = ["key", "user", "status", "created_at"]
    list_select_related = ["user"]
    list_filter = ["status"]
    search_fields = ["=key", "user__username"]
    show_full_result_count = False
    exclude = ["body"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
