"""/ops/webhooks/: every outbound webhook endpoint, adding one (a business's or a global
one), an endpoint's page (settings, history, deliveries) and what an operator does to it.

Staff only. Reading needs nothing more; acting needs the model permission the admin
would ask for (add, change or delete webhook endpoint). Every write is a call to
webhooks/services.py, which records the endpoint's event with the operator as actor.

A secret is shown once: in the answer to the POST that made it (the add form, the
rotation), never stored anywhere else in the clear and never shown again; that answer
is marked not to be cached.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from businesses.models import Business
from webhooks import catalog, selectors, services
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.pages.forms import EndpointForm, RotateForm, SampleEventForm, errors_from

ADD = "webhooks.add_webhookendpoint"
CHANGE = "webhooks.change_webhookendpoint"
DELETE = "webhooks.delete_webhookendpoint"
ENDPOINTS_PER_PAGE = 50
GLOBAL = "global"


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _endpoint(request: HttpRequest, id: uuid.UUID) -> WebhookEndpoint:
    endpoints = selectors.endpoint_list(user=request.user).select_related("business", "created_by")
    try:
        return endpoints.get(pk=id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404 from None


def _owner_url(endpoint: WebhookEndpoint) -> str:
    """Where an endpoint is listed: its business's page, or the list of all."""
    if endpoint.business_id:
        return reverse("ops:business", args=[endpoint.business_id])
    return reverse("webhooks:endpoints")


def _secret_page(
    request: HttpRequest, endpoint: WebhookEndpoint, secret: str, *, rotated: bool
) -> HttpResponse:
    response = render(
        request,
        "webhooks/secret.html",
        {"endpoint": endpoint, "secret": secret, "rotated": rotated},
    )
    add_never_cache_headers(response)  # the secret stays out of every cache
    return response


@staff_member_required
def endpoint_index(request: HttpRequest) -> HttpResponse:
    """All endpoints: global ones first, then by business; filtered by business (or
    global ones only) and by enabled."""
    chosen = request.GET.get("business", "")
    enabled = {"yes": True, "no": False}.get(request.GET.get("enabled", ""))
    business_id = None
    if chosen and chosen != GLOBAL:
        try:
            business_id = uuid.UUID(chosen)
        except ValueError:
            chosen = ""
    endpoints = selectors.endpoint_overview(
        business_id=business_id, only_global=chosen == GLOBAL, enabled=enabled
    )
    page = Paginator(endpoints, ENDPOINTS_PER_PAGE).get_page(request.GET.get("page"))
    params = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "webhooks/endpoints.html",
        {
            "page": page,
            "businesses": Business.objects.filter(
                id__in=WebhookEndpoint.objects.filter(business__isnull=False).values("business_id")
            ).order_by("name", "id"),
            "chosen": chosen,
            "enabled": request.GET.get("enabled", ""),
            "filtered": bool(chosen or enabled is not None),
            "page_query": urlencode(params),
            "can_add": request.user.has_perm(ADD),
        },
    )


@staff_member_required
def endpoint_add(request: HttpRequest) -> HttpResponse:
    """A new endpoint for `?business=<id>`, or a global one without it."""
    _require(request, ADD)
    business_id = request.GET.get("business") or request.POST.get("business")
    business = None
    if business_id:
        try:
            business = get_object_or_404(Business, pk=uuid.UUID(str(business_id)))
        except ValueError:
            raise Http404 from None
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_create(
                acting_user=request.user,
                business=business,
                url=form.cleaned_data["url"],
                event_types=form.chosen_types(),
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            errors_from(form, error)
        else:
            return _secret_page(request, endpoint, secret, rotated=False)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {
            "form": form,
            "business": business,
            "adding": True,
            "back": reverse("ops:business", args=[business.pk])
            if business
            else reverse("webhooks:endpoints"),
        },
    )


@staff_member_required
def endpoint_detail(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, id)
    state = request.GET.get("state", "")
    if state not in WebhookDelivery.State.values:
        state = ""
    deliveries = selectors.delivery_page(
        endpoint=endpoint,
        state=state or None,
        older_than=request.GET.get("older"),
        newer_than=request.GET.get("newer"),
    )
    counts = selectors.delivery_state_counts(endpoint=endpoint)
    here = reverse("webhooks:endpoint", args=[endpoint.pk])
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "types": [(t, catalog.EVENT_TYPES.get(t, "")) for t in endpoint.event_types or []],
            "history": selectors.endpoint_history(endpoint=endpoint),
            "deliveries": deliveries,
            "counts": counts,
            "total": sum(counts.values()),
            "state": state,
            "tabs": [
                ("", "All", sum(counts.values()), _link(here, {})),
                *(
                    (value, label, counts[value], _link(here, {"state": value}))
                    for value, label in WebhookDelivery.State.choices
                ),
            ],
            "newer_url": _link(here, {"state": state, "newer": deliveries.newer})
            if deliveries.newer
            else None,
            "older_url": _link(here, {"state": state, "older": deliveries.older})
            if deliveries.older
            else None,
            "first_url": _link(here, {"state": state})
            if request.GET.get("older") or request.GET.get("newer")
            else None,
            "sample_form": SampleEventForm(event_types=endpoint.event_types),
            "retention_days": settings.WEBHOOK_RETENTION_DAYS,
            "owner_url": _owner_url(endpoint),
            "can_change": request.user.has_perm(CHANGE),
            "can_delete": request.user.has_perm(DELETE),
        },
    )


def _link(base: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"{base}?{query}" if query else base


@staff_member_required
def endpoint_edit(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    _require(request, CHANGE)
    endpoint = _endpoint(request, id)
    form = EndpointForm(
        request.POST or None,
        initial={
            "url": endpoint.url,
            "event_types": endpoint.event_types or [],
            "description": endpoint.description,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(
                endpoint=endpoint,
                acting_user=request.user,
                url=form.cleaned_data["url"],
                event_types=form.chosen_types(),
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            errors_from(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("webhooks:endpoint", id=endpoint.pk)
    return render(
        request,
        "webhooks/endpoint_form.html",
        {
            "form": form,
            "endpoint": endpoint,
            "business": endpoint.business,
            "adding": False,
            "back": reverse("webhooks:endpoint", args=[endpoint.pk]),
        },
    )


@staff_member_required
@require_POST
def endpoint_enable(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    return _switch(request, id, enabled=True)


@staff_member_required
@require_POST
def endpoint_disable(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    return _switch(request, id, enabled=False)


def _switch(request: HttpRequest, id: uuid.UUID, *, enabled: bool) -> HttpResponse:
    _require(request, CHANGE)
    endpoint = _endpoint(request, id)
    was_enabled = endpoint.enabled
    services.endpoint_update(endpoint=endpoint, acting_user=request.user, enabled=enabled)
    if was_enabled == enabled:
        messages.info(request, f"Already {'enabled' if enabled else 'disabled'}.")
    elif enabled:
        messages.success(
            request, "Enabled: its failure streak starts again and what waited is sent now."
        )
    else:
        messages.success(
            request, "Disabled: nothing is sent to it; new events wait until it is enabled."
        )
    return redirect("webhooks:endpoint", id=endpoint.pk)


@staff_member_required
def endpoint_rotate(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    _require(request, CHANGE)
    endpoint = _endpoint(request, id)
    form = RotateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.endpoint_rotate_secret(
                endpoint=endpoint,
                acting_user=request.user,
                grace_seconds=form.cleaned_data["grace_seconds"],
            )
        except ValidationError as error:
            errors_from(form, error)
        else:
            return _secret_page(request, endpoint, secret, rotated=True)
    return render(request, "webhooks/endpoint_rotate.html", {"endpoint": endpoint, "form": form})


@staff_member_required
def endpoint_delete(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    _require(request, DELETE)
    endpoint = _endpoint(request, id)
    if request.method == "POST":
        back = _owner_url(endpoint)
        services.endpoint_delete(endpoint=endpoint, acting_user=request.user)
        messages.success(request, f"Deleted the endpoint {endpoint.url} and its deliveries.")
        return redirect(back)
    return render(
        request,
        "webhooks/endpoint_delete.html",
        {
            "endpoint": endpoint,
            "counts": selectors.delivery_state_counts(endpoint=endpoint),
        },
    )


@staff_member_required
@require_POST
def endpoint_test(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    _require(request, CHANGE)
    endpoint = _endpoint(request, id)
    form = SampleEventForm(request.POST, event_types=endpoint.event_types)
    if not form.is_valid():
        messages.error(request, f"Not sent: {' '.join(form.errors.get('event_type', []))}")
        return redirect("webhooks:endpoint", id=endpoint.pk)
    try:
        delivery = services.endpoint_send_test(
            endpoint=endpoint, acting_user=request.user, event_type=form.cleaned_data["event_type"]
        )
    except ValidationError as error:
        messages.error(request, f"Not sent: {' '.join(error.messages)}")
        return redirect("webhooks:endpoint", id=endpoint.pk)
    if endpoint.enabled:
        what = "it is the newest delivery below."
    else:
        what = "the endpoint is disabled, so it waits until it is enabled."
    message = delivery.message
    messages.success(
        request, f"Queued a sample {message.event_type} event ({message.webhook_id}); {what}"
    )
    return redirect("webhooks:endpoint", id=endpoint.pk)


@staff_member_required
def delivery_detail(request: HttpRequest, id: uuid.UUID, delivery_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint(request, id)
    try:
        delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
    except WebhookDelivery.DoesNotExist:
        raise Http404 from None
    try:
        body = json.loads(delivery.message.body)
    except ValueError:  # pragma: no cover - the outbox writes JSON
        body = None
    payload = (
        delivery.message.body if body is None else json.dumps(body, indent=2, ensure_ascii=False)
    )
    data = body.get("data") if isinstance(body, dict) else None
    return render(
        request,
        "webhooks/delivery_detail.html",
        {
            "endpoint": endpoint,
            "delivery": delivery,
            "message": delivery.message,
            "payload": payload,
            "number": data.get("number") if isinstance(data, dict) else None,
            "attempts": selectors.delivery_attempts(delivery),
            "can_change": request.user.has_perm(CHANGE),
        },
    )


@staff_member_required
@require_POST
def delivery_resend(request: HttpRequest, id: uuid.UUID, delivery_id: uuid.UUID) -> HttpResponse:
    _require(request, CHANGE)
    endpoint = _endpoint(request, id)
    try:
        delivery = selectors.delivery_get(endpoint=endpoint, delivery_id=delivery_id)
    except WebhookDelivery.DoesNotExist:
        raise Http404 from None
    services.delivery_resend(delivery=delivery, acting_user=request.user)
    if endpoint.enabled:
        messages.success(request, f"{delivery.message.webhook_id} will be sent again now.")
    else:
        messages.warning(
            request,
            f"{delivery.message.webhook_id} will be sent again once the endpoint is enabled.",
        )
    return redirect("webhooks:delivery", id=endpoint.pk, delivery_id=delivery.pk)


urlpatterns = [
    path("webhooks/", endpoint_index, name="endpoints"),
    path("webhooks/add/", endpoint_add, name="endpoint-add"),
    path("webhooks/<uuid:id>/", endpoint_detail, name="endpoint"),
    path("webhooks/<uuid:id>/edit/", endpoint_edit, name="endpoint-edit"),
    path("webhooks/<uuid:id>/enable/", endpoint_enable, name="endpoint-enable"),
    path("webhooks/<uuid:id>/disable/", endpoint_disable, name="endpoint-disable"),
    path("webhooks/<uuid:id>/rotate-secret/", endpoint_rotate, name="endpoint-rotate"),
    path("webhooks/<uuid:id>/delete/", endpoint_delete, name="endpoint-delete"),
    path("webhooks/<uuid:id>/test/", endpoint_test, name="endpoint-test"),
    path("webhooks/<uuid:id>/deliveries/<uuid:delivery_id>/", delivery_detail, name="delivery"),
    path(
        "webhooks/<uuid:id>/deliveries/<uuid:delivery_id>/resend/",
        delivery_resend,
        name="delivery-resend",
    ),
]
