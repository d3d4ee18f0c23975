from django.contrib import admin

from businesses import services
from businesses.models import Business, Membership


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Business)
class BusinessAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at", "modified_at"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_at", "modified_at"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.business_create(name=obj.name, acting_user=request.user)
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False
