"""The /ops business pages: the index of businesses with their counts, and one business."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from businesses.models import Business
from phonenumbers_app import selectors
from phonenumbers_app.pages.query import with_changes
from phonenumbers_app.vocabularies import InventoryState
from webhooks import selectors as webhook_selectors

BUSINESSES_PER_PAGE = 50


@staff_member_required
def business_index(request: HttpRequest) -> HttpResponse:
    """Businesses by name, searchable, a page at a time, each with its numbers counted:
    three queries a page (how many match, the page, and one grouped count of the
    page's numbers), whatever the number of businesses or numbers."""
    search = request.GET.get("search", "").strip()
    descending = request.GET.get("orderBy") == "-name"
    paginator = Paginator(
        selectors.business_index(search=search, descending=descending), BUSINESSES_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    businesses = list(page.object_list)
    counts = selectors.business_counts([business.pk for business in businesses])
    numbers_url = reverse("ops:numbers")
    rows = [
        {
            "business": business,
            "url": reverse("ops:business", args=[business.pk]),
            "counts": counts[business.pk],
            "cells": [
                (counts[business.pk].by_state[state], _numbers_link(numbers_url, business, state))
                for state in selectors.BUSINESS_INDEX_STATES
            ],
            "held_url": _numbers_link(numbers_url, business),
            "released_url": _numbers_link(numbers_url, business, InventoryState.RELEASED),
        }
        for business in businesses
    ]
    params = request.GET.copy()
    return render(
        request,
        "phonenumbers_app/business_index.html",
        {
            "rows": rows,
            "page": page,
            "search": search,
            "states": selectors.BUSINESS_INDEX_STATES,
            "descending": descending,
            "sort_url": with_changes(params, orderBy=None if descending else "-name", page=None),
            "previous_url": with_changes(params, page=page.previous_page_number())
            if page.has_previous()
            else None,
            "next_url": with_changes(params, page=page.next_page_number())
            if page.has_next()
            else None,
        },
    )


def _numbers_link(numbers_url: str, business: Business, state: str | None = None) -> str:
    """The numbers list of `business` (its held numbers; `state`'s only if given)."""
    query = {"businessId": str(business.pk)}
    if state:
        query["inventoryState"] = state
    return f"{numbers_url}?{urlencode(query)}"


@staff_member_required
def business_detail(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    business = get_object_or_404(Business, pk=id)
    summary = selectors.business_summary(business=business)
    numbers_url = reverse("ops:numbers")
    counts = summary["counts"]
    return render(
        request,
        "phonenumbers_app/business_detail.html",
        {
            "business": business,
            **summary,
            # Only the states its numbers are in: the rest would be rows of zeros.
            "states": [
                (state, n, _numbers_link(numbers_url, business, state))
                for state, n in counts.held_by_state.items()
                if n
            ],
            "held_url": _numbers_link(numbers_url, business),
            "released_url": _numbers_link(numbers_url, business, InventoryState.RELEASED),
            # Its outbound webhook endpoints (webhooks/pages/ has their pages).
            "endpoints": list(webhook_selectors.endpoint_overview(business_id=business.pk)),
            "can_add_endpoint": request.user.has_perm("webhooks.add_webhookendpoint"),
        },
    )
