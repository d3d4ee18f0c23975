from django.contrib import admin

from businesses import services
from businesses.models import Business, Membership
from core.admin_lookups import DateTimeLookupOffsetMixin


@admin.register(Business)
class BusinessAdmin(DateTimeLookupOffsetMixin, admin.ModelAdmin):
    list_display = ["name", "id", "created_at", "modified_at"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_at", "modified_at"]

    def save_model(self, request, obj, form, change):
        saved = (
            services.business_update(business=obj, name=obj.name, acting_user=request.user)
            if change
            else services.business_create(name=obj.name, acting_user=request.user)
        )
        obj.pk, obj.created_at, obj.modified_at = saved.pk, saved.created_at, saved.modified_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.business_delete(business=obj, acting_user=request.user)


@admin.register(Membership)
class MembershipAdmin(DateTimeLookupOffsetMixin, admin.ModelAdmin):
    """Who may act on which business. Added and removed, never edited in place."""

    list_display = ["user", "business", "created_at"]
    list_select_related = ["user", "business"]
    list_filter = [("business", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "business__name"]
    raw_id_fields = ["user", "business"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None  # the add form; existing memberships are only removed

    def save_model(self, request, obj, form, change):
        saved = services.membership_add(user=obj.user, business=obj.business)
        obj.pk, obj.created_at = saved.pk, saved.created_at
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            services.membership_remove(membership=membership)
