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
from phonenumbers_app.labels import human_label
from warmup import reports

ALL_NUMBERS = "All numbers, released included"
UNRELEASED_NUMBERS = "Unreleased numbers (as the numbers list shows by default)"
# (chart, title, the list's filter parameter, what the chart counts): each bar links to
# the list filtered on its value, which lists exactly the numbers the bar counts (the
# list hides released numbers unless the filter asks for them).
CHARTS = (
    ("inventory_state", "Inventory state", "inventoryState", ALL_NUMBERS),
    ("status", "Status", "status", UNRELEASED_NUMBERS),
    ("warmup_state", "Warmup", "warmupState", UNRELEASED_NUMBERS),
    ("health_status", "Health", "healthStatus", UNRELEASED_NUMBERS),
    ("campaign_status", "10DLC campaign", "tenDlcCampaignStatus", UNRELEASED_NUMBERS),
)
ATTENTION_SHOWN = 25


@staff_member_required
def dashboard(request: HttpRequest) -> HttpResponse:
    counts, counted_at = selectors.recent_dashboard_counts()
    numbers_url = reverse("ops:numbers")
    charts = [
        bar_chart(
            title=title,
            population=population,
            counts=counts.charts[field],
            link=lambda value, param=param: f"{numbers_url}?{urlencode({param: value})}",
            label=human_label,
        )
        for field, title, param, population in CHARTS
    ]
    attention = [
        (number, selectors.attention_reasons(number))
        for number in selectors.needs_attention(limit=ATTENTION_SHOWN)
    ]
    return render(
        request,
        "phonenumbers_app/dashboard.html",
        {
            "charts": charts,
            "counts": counts,
            "counted_at": counted_at,
            "counts_max_age": selectors.DASHBOARD_COUNTS_MAX_AGE,
            "attention": attention,
            "attention_total": _bounded(counts.needs_attention),
            "attention_url": f"{numbers_url}?{urlencode({'needsAttention': 'true'})}",
            "events": selectors.latest_events(),
            "engine": reports.engine_status(),
            "task_results_url": _task_results_url(),
        },
    )


def _bounded(count: int, bound: int = selectors.NEEDS_ATTENTION_COUNT_BOUND) -> str:
    """A count as the page says it: "37", "1,204", or "10,000+" beyond the bound."""
    return f"{bound:,}+" if count > bound else f"{count:,}"


def _task_results_url() -> str | None:
    # The Celery tasks' results (retries, failures) as django-celery-results lists them.
    if not apps.is_installed("django_celery_results"):
        return None
    return reverse("admin:django_celery_results_taskresult_changelist")
