"""The admin of outbound webhooks: endpoints (list, actions), their deliveries (with
"Send again"), and read-only messages and endpoint events.

Every write is a call to webhooks/services.py, as on the /ops pages. An endpoint's
secrets are never shown nor editable here: adding an endpoint, editing and deleting it
happen on its /ops page (the add form shows the secret once, delete asks first and
says what goes with it); "Rotate secret" shows the new secrets once, on the answer to
its confirmation. Deliveries, messages and attempts are deleted only with their
endpoint. The large lists count only as far as their pager looks and sort off indexes.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html, format_html_join

from core.admin_checkbox import PlainActionCheckboxMixin
from core.admin_lookups import DateTimeLookupOffsetMixin
from core.paginator import CountAheadAdminMixin
from phonenumbers_app.admin.changelists import IndexedSortChangeList
from phonenumbers_app.admin.filters import DateRangeFilter
from phonenumbers_app.admin.records import ReadOnlyAdminMixin
from webhooks import catalog, services
from webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointEvent,
    WebhookMessage,
)
from webhooks.pages.forms import RotateForm

CHANGE_ENDPOINT = "webhooks.change_webhookendpoint"


def _ops_link(url: str, text: str) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


def _types_text(types: list[str] | None) -> str:
    if types is None:
        return "All types"
    return ", ".join(t.removeprefix("phone_number.") for t in types)


class EventTypeFilter(admin.SimpleListFilter):
    """The catalog's types (a fixed list: no DISTINCT over the rows to find them)."""

    title = "event type"
    parameter_name = "event_type"
    field = "event_type"

    def lookups(self, request, model_admin):
        return [(t, t) for t in catalog.EVENT_TYPES]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(**{self.field: value}) if value else queryset


class DeliveryEventTypeFilter(EventTypeFilter):
    field = "message__event_type"


class EndpointFilter(admin.SimpleListFilter):
    title = "endpoint"
    parameter_name = "endpoint"

    def lookups(self, request, model_admin):
        endpoints = WebhookEndpoint.objects.select_related("business").order_by(
            "business__name", "url", "id"
        )
        return [
            (str(e.pk), f"{e.url} ({e.business.name if e.business else 'global'})")
            for e in endpoints
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        try:
            return queryset.filter(endpoint_id=value)
        except (ValueError, ValidationError):
            return queryset.none()


class GlobalFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("global", "Global (every business)"), ("business", "A business's")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "global":
            return queryset.filter(business__isnull=True)
        if self.value() == "business":
            return queryset.filter(business__isnull=False)
        return queryset


# --- Endpoints -------------------------------------------------------------------------


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(PlainActionCheckboxMixin, DateTimeLookupOffsetMixin, admin.ModelAdmin):
    list_display = [
        "url",
        "owner",
        "enabled",
        "failure_streak",
        "event_types_text",
        "created_at",
    ]
    list_select_related = ["business"]
    list_filter = ["enabled", GlobalFilter]
    search_fields = ["url", "description", "business__name"]
    # Global endpoints first (as on /ops), on every database.
    ordering = [F("business__name").asc(nulls_first=True), "created_at", "id"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ["enable", "disable", "rotate_secret", "send_test"]
    # Never `secret` nor `previous_secret`: what is shown is what the endpoint does.
    fields = [
        "ops_page",
        "url",
        "owner",
        "description",
        "event_types_text",
        "enabled",
        "disabled_at",
        "disabled_reason",
        "failure_streak",
        "failing_since",
        "previous_secret_expires_at",
        "created_by",
        "created_at",
        "modified_at",
    ]
    readonly_fields = fields

    @admin.display(description="For", ordering="business__name")
    def owner(self, endpoint: WebhookEndpoint) -> str:
        return endpoint.business.name if endpoint.business else "Global (every business)"

    @admin.display(description="Event types")
    def event_types_text(self, endpoint: WebhookEndpoint) -> str:
        return _types_text(endpoint.event_types)

    @admin.display(description="Edit, delete, deliveries")
    def ops_page(self, endpoint: WebhookEndpoint) -> str:
        return _ops_link(reverse("webhooks:endpoint", args=[endpoint.pk]), "On its /ops page")

    def get_actions(self, request):
        # No bulk delete: deleting an endpoint (and its deliveries) is asked on its page.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        # The /ops form makes the endpoint through the service and shows its secret once.
        return HttpResponseRedirect(reverse("webhooks:endpoint-add"))

    def delete_view(self, request: HttpRequest, object_id: str, extra_context=None):
        # Its /ops confirmation counts what goes with it without listing 50,000 rows.
        return HttpResponseRedirect(reverse("webhooks:endpoint-delete", args=[object_id]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Everything here is read-only (edits are on the /ops page): no Save buttons.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Enable selected endpoints", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._switch(request, queryset, enabled=True)

    @admin.action(description="Disable selected endpoints", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._switch(request, queryset, enabled=False)

    def _switch(self, request: HttpRequest, queryset: QuerySet, *, enabled: bool) -> None:
        changed = 0
        for endpoint in queryset:
            if endpoint.enabled != enabled:
                services.endpoint_update(
                    endpoint=endpoint, acting_user=request.user, enabled=enabled
                )
                changed += 1
        verb = "Enabled" if enabled else "Disabled"
        self.message_user(request, f"{verb} {changed} endpoint(s).", messages.SUCCESS)

    @admin.action(description="Send a test event to selected endpoints", permissions=["change"])
    def send_test(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent = []
        for endpoint in queryset:
            delivery = services.endpoint_send_test(endpoint=endpoint, acting_user=request.user)
            sent.append(f"{delivery.message.event_type} to {endpoint.url}")
        self.message_user(request, f"Queued a sample event: {'; '.join(sent)}.", messages.SUCCESS)

    @admin.action(description="Rotate the secret of selected endpoints", permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """A confirmation with the grace period first; then the new secrets, shown once
        in the answer (not kept in a message, a cookie or the session)."""
        endpoints = list(queryset.select_related("business"))
        form = RotateForm(request.POST if "confirmed" in request.POST else None)
        if form.is_bound and form.is_valid():
            rotated = []
            for endpoint in endpoints:
                endpoint, secret = services.endpoint_rotate_secret(
                    endpoint=endpoint,
                    acting_user=request.user,
                    grace_seconds=form.cleaned_data["grace_seconds"],
                )
                rotated.append((endpoint, secret))
            response = TemplateResponse(
                request,
                "admin/webhooks/rotated_secrets.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "New secrets",
                    "rotated": rotated,
                    "opts": self.model._meta,
                },
            )
            add_never_cache_headers(response)
            return response
        return TemplateResponse(
            request,
            "admin/webhooks/rotate_secret.html",
            {
                **self.admin_site.each_context(request),
                "title": "Rotate secrets",
                "endpoints": endpoints,
                "form": form,
                "action": "rotate_secret",
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


# --- Deliveries --------------------------------------------------------------------------


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "latency_ms", "error", "response_body"]
    readonly_fields = fields
    ordering = ["attempted_at", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(
    PlainActionCheckboxMixin, CountAheadAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    # The webhook-id is the search box's and each delivery's page: the list keeps the
    # width for what went wrong (state, status, latency, next retry).
    list_display = [
        "created_at",
        "event_type",
        "endpoint_short",
        "state",
        "attempts",
        "last_status_code",
        "latency",
        "next_retry",
    ]
    list_select_related = ["message", "endpoint__business"]
    list_filter = ["state", DeliveryEventTypeFilter, EndpointFilter]
    # A webhook-id (msg_…) as a receiver reports it; the admin needs a search field to
    # show the box (get_search_results does the look-up).
    search_fields = ["=message__id"]
    search_help_text = "A webhook-id (msg_…), as the receiver logged it."
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    actions = ["send_again"]
    inlines = [WebhookAttemptInline]
    fields = [
        "ops_page",
        "webhook_id",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "created_at",
        "last_attempt_at",
        "last_status_code",
        "last_latency_ms",
        "last_error",
        "next_retry",
        "succeeded_at",
        "payload",
    ]
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # One endpoint's: newest first off webhook_delivery_endpoint_idx. All of them:
        # newest first off the primary key (time-ordered ids), not a sort of every row.
        if request.GET.get(EndpointFilter.parameter_name):
            return ["-created_at", "-id"]
        return ["-id"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().removeprefix("msg_")
        if not term:
            return queryset, False
        try:
            return queryset.filter(message_id=uuid.UUID(hex=term)), False
        except ValueError:
            self.message_user(request, f"{search_term} is not a webhook-id.", messages.WARNING)
            return queryset.none(), False

    @admin.display(description="Event type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.message.event_type

    @admin.display(description="Endpoint")
    def endpoint_short(self, delivery: WebhookDelivery) -> str:
        """Its host and owner: the whole URL would push the state off the screen."""
        endpoint = delivery.endpoint
        owner = endpoint.business.name if endpoint.business else "global"
        return f"{urlsplit(endpoint.url).netloc} ({owner})"

    @admin.display(description="webhook-id")
    def webhook_id(self, delivery: WebhookDelivery) -> str:
        return delivery.message.webhook_id

    @admin.display(description="Latency")
    def latency(self, delivery: WebhookDelivery) -> str:
        return "—" if delivery.last_latency_ms is None else f"{delivery.last_latency_ms} ms"

    @admin.display(description="Next retry")
    def next_retry(self, delivery: WebhookDelivery):
        if delivery.state != WebhookDelivery.State.PENDING:
            return "—"
        return delivery.next_attempt_at or "When the endpoint is enabled"

    @admin.display(description="Payload")
    def payload(self, delivery: WebhookDelivery) -> str:
        try:
            text = json.dumps(json.loads(delivery.message.body), indent=2, ensure_ascii=False)
        except ValueError:  # pragma: no cover - the outbox writes JSON
            text = delivery.message.body
        return format_html('<pre class="webhook-payload">{}</pre>', text)

    @admin.display(description="Send again")
    def ops_page(self, delivery: WebhookDelivery) -> str:
        return _ops_link(
            reverse("webhooks:delivery", args=[delivery.endpoint_id, delivery.pk]),
            "On its /ops page",
        )

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(CHANGE_ENDPOINT)

    @admin.action(description="Send selected deliveries again", permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for delivery in queryset:
            services.delivery_resend(delivery=delivery, acting_user=request.user)
            count += 1
        self.message_user(
            request,
            f"{count} deliver{'y' if count == 1 else 'ies'} will be sent again now, with the "
            "same webhook-id (a disabled endpoint's once it is enabled).",
            messages.SUCCESS,
        )


# --- Read-only records ---------------------------------------------------------------------


@admin.register(WebhookMessage)
class WebhookMessageAdmin(
    CountAheadAdminMixin, DateTimeLookupOffsetMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = ["created_at", "event_type", "webhook_id", "business", "phone_number"]
    list_select_related = ["business", "phone_number"]
    list_filter = [EventTypeFilter, ("created_at", DateRangeFilter)]
    ordering = ["-id"]  # newest first off the primary key (time-ordered ids)
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    fields = [
        "webhook_id",
        "event_type",
        "business",
        "phone_number",
        "source_event_id",
        "created_at",
        "deliveries_html",
        "payload",
    ]
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return IndexedSortChangeList

    @admin.display(description="webhook-id")
    def webhook_id(self, message: WebhookMessage) -> str:
        return message.webhook_id

    @admin.display(description="Payload")
    def payload(self, message: WebhookMessage) -> str:
        try:
            text = json.dumps(json.loads(message.body), indent=2, ensure_ascii=False)
        except ValueError:  # pragma: no cover
            text = message.body
        return format_html('<pre class="webhook-payload">{}</pre>', text)

    @admin.display(description="Deliveries")
    def deliveries_html(self, message: WebhookMessage) -> str:
        deliveries = message.deliveries.select_related("endpoint").order_by("created_at", "id")
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {}</li>',
            (
                (
                    reverse("webhooks:delivery", args=[d.endpoint_id, d.pk]),
                    d.endpoint.url,
                    d.get_state_display(),
                )
                for d in deliveries
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "—"


@admin.register(WebhookEndpointEvent)
class WebhookEndpointEventAdmin(
    CountAheadAdminMixin, DateTimeLookupOffsetMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = ["created_at", "type", "endpoint_url", "business", "actor_name", "details"]
    list_select_related = ["business"]
    list_filter = ["type", ("created_at", DateRangeFilter)]
    search_fields = ["endpoint_url"]
    ordering = ["-created_at", "-id"]
    sortable_by: list[str] = []
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    fields = [
        "created_at",
        "type",
        "endpoint",
        "endpoint_url",
        "business",
        "details",
        "actor",
        "actor_name",
        "data",
    ]
    readonly_fields = fields
