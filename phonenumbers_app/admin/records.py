"""Read-only admin pages: the audit trail, 10DLC registrations and billing."""

from django.contrib import admin

from core.admin_lookups import DateTimeLookupOffsetMixin
from core.paginator import CappedCountPaginator, CountAheadAdminMixin
from phonenumbers_app.admin.changelists import IndexedSortChangeList
from phonenumbers_app.admin.event_changes_html import changes_html
from phonenumbers_app.admin.filters import DateRangeFilter
from phonenumbers_app.event_changes import changes_by_event
from phonenumbers_app.models import Billing, PhoneNumberEvent, TenDlc


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EventChangeList(IndexedSortChangeList):
    """The events' page, each with its changes: the names they mention (businesses,
    users, plans) read once for the page rather than once a row."""

    def get_results(self, request):
        super().get_results(request)
        changes = changes_by_event(self.result_list)
        for event in self.result_list:
            event.shown_changes = changes[event.pk]


@admin.register(PhoneNumberEvent)
class PhoneNumberEventAdmin(
    CountAheadAdminMixin, DateTimeLookupOffsetMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    # `business`: whose history the event belongs to (empty: the pool's).
    list_display = [
        "created_at",
        "type",
        "title",
        "phone_number",
        "business",
        "actor_name",
        "changes",
    ]
    # The values as people read them; the stored JSON stays, folded, for staff who need
    # exactly what was written.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "phone_number",
                    "type",
                    "title",
                    "details",
                    "changes",
                    "actor",
                    "actor_name",
                    "actor_is_staff",
                    "business",
                    "created_at",
                ]
            },
        ),
        ("Stored data (JSON)", {"classes": ["collapse"], "fields": ["data"]}),
    ]
    readonly_fields = ["changes", "created_at"]

    class Media:
        css = {"all": ["css/admin.css"]}

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
        return EventChangeList

    @admin.display(description="Changes (before → after)")
    def changes(self, event: PhoneNumberEvent):
        found = getattr(event, "shown_changes", None)  # the list page's, see EventChangeList
        return changes_html(found if found is not None else changes_by_event([event])[event.pk])


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
