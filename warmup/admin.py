"""The warmup admin: plans (staff edit them), which plan a business or a number uses, and
read-only lists of the engine's runs and the daily stats.

Writes go through warmup.services.plans; the forms run the services' checks in clean()
so a refusal shows on the form. Lists are built like the numbers' admin for a million
rows: no full counts, sorts only where an index reads a page, no facets.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.html import format_html, format_html_join

from core.admin_lookups import DateTimeLookupOffsetMixin
from core.paginator import CountAheadAdminMixin
from phonenumbers_app.admin.changelists import IndexedSortChangeList
from phonenumbers_app.admin.filters import DateRangeFilter
from phonenumbers_app.admin.records import ReadOnlyAdminMixin
from phonenumbers_app.models import PhoneNumber
from phonenumbers_app.selectors import back_office_search
from warmup.models import BusinessWarmupPlan, DailyStats, EngineRun, NumberWarmup, WarmupPlan
from warmup.plans import limits
from warmup.services import plans as services

# --- Plans ----------------------------------------------------------------------------


class WarmupPlanForm(forms.ModelForm):
    class Meta:
        model = WarmupPlan
        fields = "__all__"  # noqa: DJ007 - every setting of a plan is staff's to edit

    def _post_clean(self) -> None:
        # Django's would also check the model's constraints: the one-default index would
        # refuse marking a second plan default, which the service does by unmarking the
        # previous one. The service's own checks instead, then the name's uniqueness.
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except ValidationError as error:
            self._update_errors(error)
        try:
            services.warmup_plan_check(self.instance)
        except ValidationError as error:
            # A field the form itself refused already says why.
            fresh = {
                f: problems for f, problems in error.message_dict.items() if f not in self.errors
            }
            if fresh:
                self._update_errors(ValidationError(fresh))
        self.validate_unique()  # the name; the constraints are the service's (above)
        if (
            self.instance.pk
            and "is_default" in self.changed_data
            and not self.cleaned_data.get("is_default")
            and WarmupPlan.objects.filter(pk=self.instance.pk, is_default=True).exists()
        ):
            self.add_error("is_default", services.DEFAULT_UNMARKED)


@admin.register(WarmupPlan)
class WarmupPlanAdmin(admin.ModelAdmin):
    form = WarmupPlanForm
    list_display = [
        "name",
        "is_default",
        "duration_days",
        "sms_daily_start",
        "sms_daily_target",
        "voice_stage_daily",
        "delivery_pause_percent",
        "opt_out_pause_percent",
    ]
    search_fields = ["name"]
    readonly_fields = ["ramp"]
    fieldsets = [
        (None, {"fields": ["name", "description", "is_default", "duration_days"]}),
        (
            "SMS ramp",
            {
                "fields": [
                    ("sms_daily_start", "sms_daily_target"),
                    "sms_hour_percent",
                    "sms_minute_max",
                ]
            },
        ),
        (
            "Voice stages 0-4",
            {"fields": ["voice_stage_daily", "voice_hour_percent", "voice_minute_max"]},
        ),
        (
            "Health",
            {
                "fields": [
                    ("window_days", "min_sample"),
                    ("delivery_target_percent", "delivery_pause_percent"),
                    ("failure_pause_percent", "rejection_pause_percent"),
                    ("opt_out_attention_percent", "opt_out_pause_percent"),
                    "spam_reports_pause",
                ]
            },
        ),
        (
            "Ramp",
            {
                "fields": [
                    "advance_usage_percent",
                    "cooldown_minutes",
                    "setback_days",
                    "max_auto_pauses",
                    "ramp",
                ]
            },
        ),
    ]

    def get_actions(self, request):
        # No bulk delete: a plan is deleted on its own page, where a plan still in use
        # lists what uses it, and the default cannot be.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        previous = WarmupPlan.objects.filter(is_default=True).exclude(pk=obj.pk).first()
        services.warmup_plan_save(plan=obj, acting_user=request.user)
        if obj.is_default and previous is not None:
            self.message_user(
                request, f"{obj.name} is now the default plan, instead of {previous.name}."
            )

    def delete_model(self, request, obj):
        services.warmup_plan_delete(plan=obj, acting_user=request.user)

    @admin.display(description="Limits by plan day")
    def ramp(self, obj: WarmupPlan) -> str:
        """What the saved plan allows on each day, as the engine computes it."""
        # The stored plan: on a form sent back with errors, `obj` holds what was typed.
        saved = WarmupPlan.objects.filter(pk=obj.pk).first() if not obj._state.adding else None
        if saved is None:
            return "Shown once the plan is saved."
        obj = saved
        days = sorted({1, *range(1, obj.duration_days + 1, 3), obj.duration_days})
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    day,
                    (lim := limits(obj, day)).sms_day,
                    lim.sms_hour,
                    lim.sms_minute,
                    lim.voice_stage,
                    lim.voice_day,
                )
                for day in days
            ),
        )
        return format_html(
            "<table><thead><tr><th>Day</th><th>SMS a day</th><th>an hour</th>"
            "<th>a minute</th><th>Voice stage</th><th>Calls a day</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


# --- Plan choices ---------------------------------------------------------------------


@admin.register(BusinessWarmupPlan)
class BusinessWarmupPlanAdmin(admin.ModelAdmin):
    """A business's plan: every number of it without its own uses this one."""

    list_display = ["business", "plan"]
    list_select_related = ["business", "plan"]
    list_filter = ["plan"]
    search_fields = ["business__name"]
    raw_id_fields = ["business"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return ["business"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        services.business_plan_set(business=obj.business, plan=obj.plan, acting_user=request.user)

    def delete_model(self, request, obj):
        services.business_plan_set(business=obj.business, plan=None, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        for choice in queryset.select_related("business"):
            services.business_plan_set(
                business=choice.business, plan=None, acting_user=request.user
            )


class NumberWarmupForm(forms.ModelForm):
    class Meta:
        model = NumberWarmup
        fields = ["phone_number", "plan"]

    def clean(self):
        cleaned = super().clean()
        number: PhoneNumber | None = cleaned.get("phone_number") or getattr(
            self.instance, "phone_number", None
        )
        if number is not None and number.is_released:
            self.add_error(
                "phone_number" if "phone_number" in self.fields else None,
                f"{number.number} is released: its warmup plan no longer changes.",
            )
        return cleaned


@admin.register(NumberWarmup)
class NumberWarmupAdmin(CountAheadAdminMixin, DateTimeLookupOffsetMixin, admin.ModelAdmin):
    """The engine's state of each number; staff change only the number's own plan (an
    event in its history). The rest is the engine's."""

    form = NumberWarmupForm
    list_display = [
        "phone_number",
        "plan",
        "plan_day",
        "pacing_status",
        "last_action",
        "last_action_at",
        "evaluated_at",
    ]
    list_select_related = ["phone_number", "plan"]
    list_filter = ["pacing_status", "last_action", "auto_paused", "plan"]
    search_fields = ["phone_number__number"]
    search_help_text = "A number in any format, three or more of its digits, or a name."
    raw_id_fields = ["phone_number"]
    # Newest numbers first, off the primary key (time-ordered ids); no other column has
    # an index to read a page from.
    ordering = ["-phone_number"]
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    ENGINE_FIELDS = [
        "plan_day",
        "started_at",
        "evaluated_day",
        "evaluated_at",
        "pacing_status",
        "auto_paused",
        "cooldown_until",
        "health_since",
        "last_action",
        "last_action_reason",
        "last_action_at",
        "auto_pauses",
    ]

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    def get_fields(self, request, obj=None):
        return (
            ["phone_number", "plan"]
            if obj is None
            else ["phone_number", "plan", *self.ENGINE_FIELDS]
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.phone_number.is_released:
            return ["phone_number", "plan", *self.ENGINE_FIELDS]
        return ["phone_number", *self.ENGINE_FIELDS]

    def get_search_results(self, request, queryset, search_term):
        # The numbers' own indexed search (phonenumbers_app.selectors.back_office_search).
        term = search_term.strip()
        if not term:
            return queryset, False
        numbers = PhoneNumber.objects.filter(back_office_search(term)).values("pk")
        return queryset.filter(phone_number__in=numbers), False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the engine's state; a number returns to its business's plan instead

    def save_model(self, request, obj, form, change):
        services.number_plan_set(
            phone_number=form.cleaned_data.get("phone_number") or obj.phone_number,
            plan=form.cleaned_data.get("plan"),
            acting_user=request.user,
        )
        obj._state.adding = False  # saved by the service: the admin logs and redirects


# --- Read-only records ------------------------------------------------------------------


@admin.register(EngineRun)
class EngineRunAdmin(
    CountAheadAdminMixin, DateTimeLookupOffsetMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = [
        "started_at",
        "status",
        "trigger",
        "duration",
        "evaluated",
        "changed",
        "paused",
        "promoted",
        "advanced",
        "held",
        "resumed",
        "blocked",
        "short_error",
    ]
    list_filter = ["status", ("started_at", DateRangeFilter)]
    ordering = ["-started_at", "-id"]
    sortable_by = ["started_at"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    @admin.display(description="Duration")
    def duration(self, obj: EngineRun) -> str:
        seconds = obj.duration_seconds
        return "running" if seconds is None else f"{seconds:.1f} s"

    @admin.display(description="Error")
    def short_error(self, obj: EngineRun) -> str:
        first_line = (obj.error or "").strip().splitlines()[:1]
        return first_line[0][:120] if first_line else ""


@admin.register(DailyStats)
class DailyStatsAdmin(CountAheadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What each number sent and what came of it, per owner and Eastern day."""

    list_display = [
        "day",
        "phone_number",
        "business",
        "sms_sent",
        "sms_delivered",
        "sms_failed",
        "sms_carrier_rejected",
        "mms_sent",
        "opt_outs",
        "spam_reports",
        "recipients",
        "calls_placed",
        "calls_connected",
    ]
    list_select_related = ["phone_number", "business"]
    list_filter = [("day", DateRangeFilter)]
    search_fields = ["phone_number__number"]
    search_help_text = "A number in any format, three or more of its digits, or a name."
    # Newest rows first off the primary key (rows are added day after day); a sort by
    # `day` alone has no index to read a page from.
    ordering = ["-id"]
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        numbers = PhoneNumber.objects.filter(back_office_search(term)).values("pk")
        return queryset.filter(phone_number__in=numbers), False
