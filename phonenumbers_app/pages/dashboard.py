"""The /ops dashboard: counts by state, the warmup engine, what needs attention."""

from __future__ import annotations

from urllib.parse import urlencode

from django.apps import apps
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from phonenumbers_app import selectors
from phonenumbers_app.charts import bar_chart
from warmup import reports

CHART_TITLES = {
    "inventory_state": ("Inventory state", "inventoryState"),
    "status": ("Status", "status"),
    "warmup_state": ("Warmup", "warmupState"),
    "health_status": ("Health", "healthStatus"),
    "campaign_status": ("10DLC campaign", "tenDlcCampaignStatus"),
}


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    counts, counted_at = selectors.recent_dashboard_counts()
    numbers_url = reverse("ops:numbers")
    charts = [
        bar_chart(
            title=title,
            counts=counts[field],
            link=lambda value, param=param: f"{numbers_url}?{urlencode({param: value})}",
        )
        for field, (title, param) in CHART_TITLES.items()
    ]
    attention = [
        (number, selectors.attention_reasons(number)) for number in selectors.needs_attention()
    ]
    return render(
        request,
        "phonenumbers_app/dashboard.html",
        {
            "charts": charts,
            "counted_at": counted_at,
            "counts_max_age": selectors.DASHBOARD_COUNTS_MAX_AGE,
            "attention": attention,
            "events": selectors.latest_events(),
            "engine": reports.engine_status(),
            "task_results_url": _task_results_url(),
        },
    )


def _task_results_url() -> str | None:
    # The Celery tasks' results (retries, failures) as django-celery-results lists them.
    if not apps.is_installed("django_celery_results"):
        return None
    return reverse("admin:django_celery_results_taskresult_changelist")
