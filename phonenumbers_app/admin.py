"""Read-only views of what the API created.

Writes from the admin arrive with the back-office issue, through the same services
as the API, so that they check transitions and write events; until then nothing
here can change a number.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from phonenumbers_app.models import Billing, PhoneNumber, PhoneNumberEvent, TenDlc
from phonenumbers_app.selectors import RECENT_EVENTS_LIMIT, event_timeline


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
    readonly_fields = ["latest_events"]
    inlines = [TenDlcInline, BillingInline]

    @admin.display(description="Latest events")
    def latest_events(self, obj: PhoneNumber) -> str:
        # An inline would render every event of the number; the page needs only the newest.
        events = event_timeline().filter(phone_number=obj)[:RECENT_EVENTS_LIMIT]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e.created_at, e.title, e.actor_name or "—", e.details or "") for e in events),
        )
        all_events = reverse("admin:phonenumbers_app_phonenumberevent_changelist")
        return format_html(
            '<table><tbody>{}</tbody></table><p><a href="{}?phone_number__id__exact={}">'
            "All events of this number</a></p>",
            rows,
            all_events,
            obj.pk,
        )


@admin.register(PhoneNumberEvent)
class PhoneNumberEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "type", "title", "phone_number", "actor_name"]
    list_select_related = ["phone_number"]
    list_filter = ["type"]
    date_hierarchy = "created_at"
    raw_id_fields = ["phone_number", "actor"]
    show_full_result_count = False


@admin.register(TenDlc)
class TenDlcAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "phone_number",
        "brand_id",
        "campaign_id",
        "campaign_status",
        "status_updated_at",
    ]
    list_select_related = ["phone_number"]
    list_filter = ["campaign_status"]
    search_fields = ["=phone_number__number", "=brand_id", "=campaign_id"]
    raw_id_fields = ["phone_number"]
    show_full_result_count = False


@admin.register(Billing)
class BillingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["phone_number", "business", "monthly_amount", "channel"]
    list_select_related = ["phone_number", "business"]
    search_fields = ["=phone_number__number", "=subscription_item_id"]
    raw_id_fields = ["phone_number", "business", "user"]
    show_full_result_count = False
