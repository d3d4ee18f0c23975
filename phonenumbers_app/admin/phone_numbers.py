"""The admin for phone numbers, built for a million rows and for safe, audited actions.

Every write goes through the services (create, update, release, warmup), so the
admin checks the same transitions as the API and every change writes its event
with the staff user as actor.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from core.admin_checkbox import PlainActionCheckboxMixin
from core.admin_lookups import DateTimeLookupOffsetMixin
from core.errors import DomainError
from core.paginator import CountAheadAdminMixin
from phonenumbers_app import services
from phonenumbers_app.admin.changelists import IndexedSortChangeList
from phonenumbers_app.admin.event_changes_html import changes_html
from phonenumbers_app.admin.filters import (
    BusinessFilter,
    CampaignStatusFilter,
    DateRangeFilter,
    ProviderFilter,
)
from phonenumbers_app.admin.forms import PhoneNumberAddForm, PhoneNumberChangeForm
from phonenumbers_app.badges import badge
from phonenumbers_app.event_changes import changes_by_event
from phonenumbers_app.exports import csv_lines
from phonenumbers_app.models import Billing, PhoneNumber, TenDlc
from phonenumbers_app.operator_actions import OPERATOR_ACTIONS, OperatorAction
from phonenumbers_app.selectors import RECENT_EVENTS_LIMIT, back_office_search, event_timeline
from phonenumbers_app.vocabularies import InventoryState


def admin_action(action: OperatorAction) -> Callable:
    """The admin's bulk action for one row of the operator-action table: first a
    confirmation page when the action asks for input or cannot be undone, then its service
    once per selected number."""

    def run(modeladmin: PhoneNumberAdmin, request: HttpRequest, queryset: QuerySet):
        form = action.form(request.POST if "apply" in request.POST else None)
        confirmed = form.is_bound and form.is_valid()
        # Released numbers are skipped, not "released" again: the count says what changed.
        # (One released by someone else between this read and the service's row lock
        # would still be counted; the service itself changes nothing then.)
        skipped = 0
        if action.skips_released:
            skipped = queryset.filter(inventory_state=InventoryState.RELEASED).count()
        if action.asks_first and not confirmed:
            return modeladmin._intermediate(
                request, queryset, form, action, already_released=skipped
            )
        if action.skips_released:
            queryset = queryset.exclude(inventory_state=InventoryState.RELEASED)
        data = form.cleaned_data if confirmed else {}
        modeladmin._apply(
            request,
            queryset,
            action.verb.format(**data),
            lambda number: action.perform(number, request.user, data),
            why_not=lambda number: action.why_not(number, data),
        )
        if skipped:
            modeladmin.message_user(
                request, f"Skipped {skipped} number(s) already released.", messages.INFO
            )
        return None

    run.__name__ = action.name
    return admin.action(description=action.bulk_label, permissions=[action.permission])(run)


class TenDlcInline(admin.StackedInline):
    model = TenDlc
    can_delete = False
    readonly_fields = [f.name for f in TenDlc._meta.fields if f.name != "phone_number"]
    verbose_name_plural = "10DLC (changed through the API)"


class BillingInline(admin.StackedInline):
    model = Billing
    can_delete = False
    readonly_fields = ["business", "user", "subscription_item_id", "monthly_amount", "channel"]
    verbose_name_plural = "Billing (changed through the API)"


@admin.register(PhoneNumber)
class PhoneNumberAdmin(
    PlainActionCheckboxMixin, CountAheadAdminMixin, DateTimeLookupOffsetMixin, admin.ModelAdmin
):
    list_display = [
        "number",
        "name",
        "business",
        "inventory_badge",
        "status_badge",
        "warmup_and_health",
        "score",
        "enabled",
        "modified_at",
    ]
    list_select_related = ["business"]
    list_filter = [
        "inventory_state",
        "status",
        "warmup_state",
        "health_status",
        BusinessFilter,
        ProviderFilter,
        CampaignStatusFilter,
        "enabled",
        "is_internal_pool",
        "is_preferred",
        "is_default",
        ("created_at", DateRangeFilter),
    ]
    # Each with a (column, id) index (models.py): see IndexedSortChangeList.
    sortable_by = ["number", "name", "score", "modified_at"]
    search_fields = ["number", "name", "business__name"]
    search_help_text = (
        "A number in any format, three or more of its digits, a name or a business name."
    )
    # Newest first, read straight off phone_number_created_idx.
    ordering = ["-created_at", "-id"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    raw_id_fields = ["business"]
    inlines = [TenDlcInline, BillingInline]
    # The operator actions come from the table /ops/ uses too (operator_actions.py).
    actions = [*(admin_action(action) for action in OPERATOR_ACTIONS), "export_csv"]
    readonly_fields = [
        "id",
        "number",
        "phone_identity_id",
        "user",
        "leadping_owned",
        "provider",
        "provider_phone_number_id",
        "provider_order_id",
        "provider_order_status",
        "provider_status",
        "provider_error",
        "provider_synced_at",
        "provider_released_at",
        "location_description",
        "location_state",
        "location_country_code",
        "warmup_pause_reason",
        "is_internal_pool",
        "is_approved_test_destination",
        "is_messaging_program_approved",
        "created_at",
        "modified_at",
        "latest_events",
    ]
    # Grouped as the seed's response groups them.
    fieldsets = [
        (
            "Identity",
            {
                "fields": [
                    "id",
                    "number",
                    "phone_identity_id",
                    "name",
                    "business",
                    "user",
                    "enabled",
                    "leadping_owned",
                ]
            },
        ),
        ("State", {"fields": ["inventory_state", "status"]}),
        (
            "Provider",
            {
                "fields": [
                    "provider",
                    "provider_phone_number_id",
                    "provider_order_id",
                    "provider_order_status",
                    "provider_status",
                    "provider_error",
                    "provider_synced_at",
                    "provider_released_at",
                ]
            },
        ),
        (
            "Capabilities & routing",
            {
                "fields": [
                    (
                        "capability_sms",
                        "capability_voice",
                        "capability_warmup",
                        "capability_testing",
                    ),
                    ("routing_sms_enabled", "routing_voice_enabled"),
                    ("routing_warmup_only", "routing_internal_test_only"),
                    ("team_id", "source_id", "campaign_id"),
                    ("routing_messaging_profile_id", "routing_voice_connection_id"),
                    "routing_ten_dlc_application_id",
                    ("is_preferred", "is_default"),
                    (
                        "is_internal_pool",
                        "is_approved_test_destination",
                        "is_messaging_program_approved",
                    ),
                ]
            },
        ),
        (
            "Location",
            {"fields": ["location_description", "location_state", "location_country_code"]},
        ),
        (
            "Warmup & health",
            {
                "fields": [
                    ("warmup_enabled", "warmup_state", "health_status"),
                    ("warmup_health_score", "warmup_progress_percent"),
                    "warmup_next_action_at",
                    "warmup_pause_reason",
                    "health_reason",
                ]
            },
        ),
        ("History", {"fields": ["created_at", "modified_at", "latest_events"]}),
    ]
    add_fieldsets = [(None, {"fields": ["number", "name", "business", "enabled"]})]

    class Media:
        css = {"all": ["css/badges.css", "css/admin.css"]}

    # --- List -------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    def get_search_results(self, request, queryset, search_term):
        """One indexed condition: a whole number exactly, or names, digits and business names
        (selectors.back_office_search). Django's default ORs `icontains` over every search
        field, joining each number to its business: 1.2-2.8 s a page at a million numbers.
        """
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(back_office_search(term)), False

    @admin.display(description="Inventory")
    def inventory_badge(self, obj: PhoneNumber) -> str:
        return badge(obj.inventory_state, "inventory")

    @admin.display(description="Status")
    def status_badge(self, obj: PhoneNumber) -> str:
        return badge(obj.status, "status")

    # One column for both (stacked): two columns of "Needs Attention" badges pushed the
    # list past a 1366 px window.
    @admin.display(description="Warmup / health")
    def warmup_and_health(self, obj: PhoneNumber) -> str:
        return format_html(
            '<span class="stacked"><span title="Warmup">{}</span>'
            '<span title="Health">{}</span></span>',
            badge(obj.warmup_state, "health"),
            badge(obj.health_status, "health"),
        )

    # "Warmup health score" made the widest header of a list that must fit 1366 px.
    @admin.display(description="Score", ordering="warmup_health_score")
    def score(self, obj: PhoneNumber) -> int:
        return obj.warmup_health_score

    # --- Change page -------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PhoneNumberAddForm
            kwargs["fields"] = ["number", "name", "business", "enabled"]
            return super().get_form(request, obj, change, **kwargs)
        form_class = super().get_form(request, obj, change, form=PhoneNumberChangeForm, **kwargs)

        class WithUser(form_class):
            def __init__(self, *args, **inner):
                super().__init__(*args, acting_user=request.user, **inner)

        return WithUser

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.is_released:
            return [f.name for f in PhoneNumber._meta.fields] + ["latest_events"]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # numbers are released (an action), never deleted

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.phone_number_create(
                acting_user=request.user,
                name=form.cleaned_data["name"],
                number=form.cleaned_data["number"],
                business=form.cleaned_data.get("business"),
                enabled=form.cleaned_data.get("enabled", True),
            )
            obj.pk = created.pk
            obj._state.adding = False
            return
        fields, business = form.changes()
        services.phone_number_update(
            phone_number=obj, acting_user=request.user, fields=fields, business=business
        )

    def save_related(self, request, form, formsets, change):
        # 10DLC and billing are read-only here (they change through the API's services);
        # the admin's change message still reads what each inline "saved": nothing.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.display(description="Latest events")
    def latest_events(self, obj: PhoneNumber) -> str:
        # Only the newest: an inline would render every event the number ever had.
        events = list(event_timeline().filter(phone_number=obj)[:RECENT_EVENTS_LIMIT])
        changes = changes_by_event(events)
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.created_at,
                    e.title,
                    e.actor_name or "—",
                    e.details or "",
                    changes_html(changes[e.pk]),
                )
                for e in events
            ),
        )
        all_events = reverse("admin:phonenumbers_app_phonenumberevent_changelist")
        return format_html(
            '<table><tbody>{}</tbody></table><p><a href="{}?phone_number__id__exact={}">'
            "All events of this number</a></p>",
            rows,
            all_events,
            obj.pk,
        )

    # --- Actions ------------------------------------------------------------------

    def _apply(
        self,
        request,
        queryset: QuerySet,
        verb: str,
        change: Callable[[PhoneNumber], object],
        why_not: Callable[[PhoneNumber], str | None],
    ) -> None:
        """Run one service per number; report successes, the numbers left as they are by
        the action's rule (operator_actions: why_not) and, per number, why others failed."""
        done, failed = 0, []
        skipped: dict[str, int] = {}
        for phone_number in queryset.order_by("number"):
            reason = why_not(phone_number)
            if reason is not None:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            try:
                change(phone_number)
                done += 1
            except (ValidationError, DomainError) as error:
                reason = getattr(error, "detail", None) or "; ".join(error.messages)
                failed.append(f"{phone_number.number}: {reason}")
        if done:
            self.message_user(request, f"{verb}: {done} number(s).", messages.SUCCESS)
        for reason, count in skipped.items():
            self.message_user(request, f"Skipped {count} number(s) ({reason}).", messages.INFO)
        for line in failed[:20]:
            self.message_user(request, f"Not {verb.lower()}: {line}", messages.WARNING)
        if len(failed) > 20:
            self.message_user(request, f"... and {len(failed) - 20} more.", messages.WARNING)

    @admin.action(description="Export selected numbers to CSV", permissions=["view"])
    def export_csv(self, request, queryset) -> HttpResponse:
        """The import's columns (phonenumbers_app.exports), so the file imports back; oldest
        first, as export_phone_numbers writes, so an import creates them in that order."""
        response = StreamingHttpResponse(
            csv_lines(queryset.order_by("created_at", "id")),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="phone-numbers.csv"'
        return response

    def _intermediate(
        self, request, queryset, form, action: OperatorAction, *, already_released: int = 0
    ):
        """A confirmation page that lists the selection, says what the action will do and
        collects its input (a reason, a state), if any."""
        return TemplateResponse(
            request,
            "admin/phonenumbers_app/action_form.html",
            {
                **self.admin_site.each_context(request),
                "title": action.label,
                "confirmation": action.confirmation,
                "form": form,
                "irreversible": action.irreversible,
                "already_released": already_released,
                "action": action.name,
                "numbers": queryset.select_related("business").order_by("number")[:50],
                "count": queryset.count(),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "opts": self.model._meta,
            },
        )
