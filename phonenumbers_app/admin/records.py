"""Read-only admin pages: the audit trail, 10DLC registrations and billing."""

from django.contrib import admin

from core.admin_lookups import DateTimeLookupOffsetMixin
from core.paginator import CappedCountPaginator, CountAheadAdminMixin
from phonenumbers_app.admin.changelists import IndexedSortChangeList
from phonenumbers_app.admin.filters import DateRangeFilter
from phonenumbers_app.models import Billing, PhoneNumberEvent, TenDlc


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PhoneNumberEvent)
class PhoneNumberEventAdmin(
    CountAheadAdminMixin, DateTimeLookupOffsetMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    # `business`: whose history the event belongs to (empty: the pool's).
    list_display = ["created_at", "type", "title", "phone_number", "business", "actor_name"]
    list_select_related = ["phone_number", "business"]
    list_filter = ["type", "actor_is_staff", ("created_at", DateRangeFilter)]
    # Newest first, and sortable only by time: other columns have no index to read a
    # page from (see IndexedSortChangeList).
    ordering = ["-created_at", "-id"]
    sortable_by = ["created_at"]
    raw_id_fields = ["phone_number", "actor", "business"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # As the numbers' admin: rendering a row costs the admin about 1 ms, so 100 a page
    # took 105-125 ms however fast its query.
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList


@admin.register(TenDlc)
class TenDlcAdmin(DateTimeLookupOffsetMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "phone_number",
        "brand_id",
        "campaign_id",
        "campaign_status",
        "status_updated_at",
    ]
    list_select_related = ["phone_number"]
    search_fields = ["=phone_number__number", "=brand_id", "=campaign_id"]
    raw_id_fields = ["phone_number"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(Billing)
class BillingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["phone_number", "business", "monthly_amount", "channel"]
    list_select_related = ["phone_number", "business"]
    search_fields = ["=phone_number__number", "=subscription_item_id"]
    raw_id_fields = ["phone_number", "business", "user"]
    show_full_result_count = False
    paginator = CappedCountPaginator
