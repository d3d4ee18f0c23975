"""Businesses by name for the numbers list's business picker (a JSON read for its script)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, JsonResponse

from phonenumbers_app import selectors


@staff_member_required
def business_lookup(request: HttpRequest) -> JsonResponse:
    """`?q=acme` → {"results": [{"id": "…", "name": "Acme Roofing"}, …]}, at most 20."""
    businesses = selectors.businesses_named_like(request.GET.get("q", "")[:200])
    return JsonResponse(
        {"results": [{"id": str(business.pk), "name": business.name} for business in businesses]}
    )
