from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from core import views as core_views
from core.metrics import views as metrics_views
from core.urls import with_and_without_slash
from webhooks.api.asyncapi_view import event_catalog_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ops/", include("phonenumbers_app.urls")),
    path("ops/", include("providers.pages.urls")),
    path("ops/", include("webhooks.pages.urls")),
    # Providers' signed callbacks: not part of the API (no API key, no OpenAPI entry).
    path("webhooks/", include("providers.webhooks.urls")),
    *with_and_without_slash("healthz", core_views.healthz, name="healthz"),
    *with_and_without_slash("readyz", core_views.readyz, name="readyz"),
    # Prometheus' scrapes: allowed networks or a token only (core/metrics/views.py).
    *with_and_without_slash("metrics", metrics_views.metrics, name="metrics"),
    path("problems/<slug:slug>", core_views.problem_type_page, name="problem-type"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    # The split view serves Swagger UI's init script as its own request (/docs?script=),
    # so the page needs no inline script under the Content-Security-Policy.
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(
            url_name="openapi", template_name="docs/swagger_ui.html"
        ),
        name="docs",
    ),
    # The events webhooks send, as a page (the document itself: /asyncapi.json).
    path("docs/events", event_catalog_page, name="docs-events"),
    # Before the phone-number routes: /phone-numbers/outgoing/... is not a number.
    path("", include("outgoing.api.urls")),
    # /phone-numbers/search, /is-available-for-purchase and /orders, before {id}.
    path("", include("providers.api.urls")),
    path("", include("phonenumbers_app.api.urls")),
    path("", include("businesses.api.urls")),
    path("", include("warmup.api.urls")),
    # /webhook-endpoints and /asyncapi.json (the catalog of the events we send).
    path("", include("webhooks.api.urls")),
]

# The phone-number changelist needs the width more than the admin's app sidebar does.
admin.site.enable_nav_sidebar = False
admin.site.site_header = "Phone-number back office"
admin.site.site_title = "Phone-number back office"

handler400 = "core.problems.handler400"
handler403 = "core.problems.handler403"
handler404 = "core.problems.handler404"
handler500 = "core.problems.handler500"
