"""A number's /ops page, and the actions on it: a confirmation page (GET), then the
service (POST). The actions, their forms, services and permissions are
operator_actions.OPERATOR_ACTIONS, the table the admin's bulk actions come from too."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from core.errors import DomainError
from core.keyset import KeysetPage, parse_ordering
from phonenumbers_app import selectors
from phonenumbers_app.event_changes import changes_by_event
from phonenumbers_app.filters import PHONE_NUMBER_SORT_FIELDS
from phonenumbers_app.operator_actions import BY_SLUG, OPERATOR_ACTIONS
from phonenumbers_app.warmup_charts import warmup_charts
from warmup import reports

EVENTS_PER_PAGE = 25
EVENT_ORDER = parse_ordering(
    "-createdAt", allowed={"createdAt": PHONE_NUMBER_SORT_FIELDS["createdAt"]}, default="-createdAt"
)


@staff_member_required
def number_detail(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    phone_number = selectors.phone_number_get(user=request.user, id=id)
    if phone_number is None:
        raise Http404
    timeline = (
        selectors.event_timeline().filter(phone_number=phone_number).select_related("business")
    )
    try:
        events_page = _events_page(timeline, request.GET.get("events") or None)
    except ValidationError:
        # A mangled or stale link (`?events=bogus`): show the newest events instead.
        events_page = _events_page(timeline, None)
    warmup = reports.number_warmup_view(phone_number, now=timezone.now())
    return render(
        request,
        "phonenumbers_app/number_detail.html",
        {
            "number": phone_number,
            "events": _with_changes(events_page.items),
            "next_events": events_page.next_token,
            "warmup": warmup,
            "warmup_charts": warmup_charts(warmup.days, warmup.plan) if warmup.has_stats else [],
            "actions": [
                action
                for action in OPERATOR_ACTIONS
                if action.available(phone_number) and action.allowed(request.user)
            ],
        },
    )


def _with_changes(events: list) -> list:
    """The events, each with what it changed as `shown_changes` (event_changes: labels
    and values for people); the names they mention are read once for the page."""
    changes = changes_by_event(events)
    for event in events:
        event.shown_changes = changes[event.pk]
    return events


def _events_page(timeline, token: str | None) -> KeysetPage:
    return KeysetPage(timeline, ordering=EVENT_ORDER, size=EVENTS_PER_PAGE, token=token)


@staff_member_required
def number_action(request: HttpRequest, id: uuid.UUID, action: str) -> HttpResponse:
    operator_action = BY_SLUG.get(action)
    if operator_action is None:
        raise Http404
    phone_number = selectors.phone_number_get(user=request.user, id=id)
    if phone_number is None:
        raise Http404
    if not operator_action.allowed(request.user):
        raise PermissionDenied
    form = operator_action.form_for(
        phone_number, request.POST if request.method == "POST" else None
    )
    if request.method == "POST" and form.is_valid():
        # The one rule every door uses: moving to the state it is in, pausing a paused
        # number, ... is not a change, and is not reported as one.
        unchanged = operator_action.why_not(phone_number, form.cleaned_data)
        if unchanged is not None:
            messages.info(request, f"{phone_number.number}: nothing to do ({unchanged}).")
            return redirect("ops:number", id=phone_number.pk)
        try:
            operator_action.perform(phone_number, request.user, form.cleaned_data)
        except (ValidationError, DomainError) as error:
            reason = getattr(error, "detail", None) or "; ".join(error.messages)
            form.add_error(None, reason)
        else:
            messages.success(request, f"{phone_number.number}: {operator_action.done}")
            return redirect("ops:number", id=phone_number.pk)
    return render(
        request,
        "phonenumbers_app/confirm_action.html",
        {"number": phone_number, "action": operator_action, "form": form},
    )
