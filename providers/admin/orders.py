"""Number orders in the admin: read-only, newest first, each with its numbers. Orders
are placed from /ops ("Buy numbers"), the API or `manage.py buy_numbers`."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from providers.models import NumberOrder, NumberOrderItem


class ReadOnly:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NumberOrderItemInline(ReadOnly, admin.TabularInline):
    model = NumberOrderItem
    fields = ("number", "status", "phone_number", "provider_order_id", "error", "updated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False


@admin.register(NumberOrder)
class NumberOrderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "created_at",
        "provider",
        "area_code",
        "quantity",
        "business",
        "status",
        "requested_by",
        "finished_at",
    )
    list_filter = ("provider", "status")
    search_fields = ("=area_code", "=id", "items__number")
    ordering = ("-created_at",)
    list_select_related = ("business", "requested_by")
    show_full_result_count = False
    readonly_fields = (
        "id",
        "progress_page",
        "provider",
        "status",
        "area_code",
        "numbers",
        "quantity",
        "business",
        "requested_by",
        "error",
        "created_at",
        "finished_at",
    )
    fields = readonly_fields
    inlines = [NumberOrderItemInline]

    @admin.display(description="Progress")
    def progress_page(self, obj: NumberOrder) -> str:
        return format_html(
            '<a href="{}">The order\'s page in /ops</a>', reverse("providers:order", args=[obj.pk])
        )
