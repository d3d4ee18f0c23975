from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from accounts.models import User, UserAPIKey
from core.admin_lookups import DateTimeLookupOffsetMixin

# Importing the library's admin registers its own APIKey model, a table nothing uses
# (our keys are UserAPIKey, below): the admin index listed "API keys" twice.
admin.site.unregister(APIKey)


@admin.register(User)
class UserAdmin(DateTimeLookupOffsetMixin, DjangoUserAdmin):
    pass


@admin.register(UserAPIKey)
class UserAPIKeyAdmin(DateTimeLookupOffsetMixin, APIKeyModelAdmin):
    list_display = [*APIKeyModelAdmin.list_display, "user"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    search_fields = [*APIKeyModelAdmin.search_fields, "user__username"]
