"""The /ops business pages."""

from __future__ import annotations

import uuid

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from businesses.models import Business
from phonenumbers_app import selectors


@staff_member_required
def business_detail(request: HttpRequest, id: uuid.UUID) -> HttpResponse:
    business = get_object_or_404(Business, pk=id)
    summary = selectors.business_summary(business=business)
    return render(
        request,
        "phonenumbers_app/business_detail.html",
        {"business": business, **summary, "numbers_url": reverse("ops:numbers")},
    )
