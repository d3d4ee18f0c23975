"""Read-only views of what the API created.

Writes from the admin arrive with the back-office issue, through the same services
as the API, so that they check transitions and write events; until then nothing
here can change a number.
"""

from django.contrib import admin

from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class TenDlcInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = TenDlc


class BillingInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = Billing
    raw_id_fields = ["business", "user"]


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PhoneNumberEvent
    fields = ["created_at", "type", "title", "actor_name", "details"]
    ordering = ["-created_at", "-id"]
    max_num = 20
    show_change_link = True


@admin.register(PhoneNumber)
class PhoneNumberAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "name",
        "business",
        "inventory_state",
        "status",
        "warmup_state",
        "health_status",
        "enabled",
        "created_at",
    ]
    list_select_related = ["business"]
    list_filter = ["inventory_state", "status", "warmup_state", "health_status", "enabled"]
    search_fields = ["=number", "name"]
    show_full_result_count = False
    raw_id_fields = ["business", "user"]
    inlines = [TenDlcInline, BillingInline, EventInline]


@admin.register(PhoneNumberEvent)
class PhoneNumberEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "type", "title", "phone_number", "actor_name"]
    list_select_related = ["phone_number"]
    list_filter = ["type"]
    date_hierarchy = "created_at"
    raw_id_fields = ["phone_number", "actor"]
    show_full_result_count = False
