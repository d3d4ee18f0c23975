"""The project's URLs plus one API view that fails: what a bug in a real view looks like
to the error reporter (authenticated by API key, with a body, logging before it fails)."""

import logging

import sentry_sdk
from django.urls import include, path
from rest_framework.decorators import api_view
from rest_framework.request import Request

logger = logging.getLogger("tests.deploy")


@api_view(["POST"])
def failing_view(request: Request):
    try:
        from structlog.contextvars import bind_contextvars, get_contextvars
    except ImportError:  # pragma: no cover
        pass
    else:
        # Until the structured logs' middleware binds it (core/request_id.py), stand in for it.
        if "request_id" not in get_contextvars():
            bind_contextvars(request_id=request.headers["X-Request-ID"], user_id=request.user.pk)
    lead = request.data["to"]
    logger.info("Texting %s", lead)
    # Straight to Sentry's breadcrumbs, not through the logs: a secret in the test run's
    # log output would itself be a leak (the logs' own test looks for it there).
    sentry_sdk.add_breadcrumb(category="tests", message=f"Signed with {request.data['secret']}")
    raise RuntimeError(f"Could not text {lead}")


urlpatterns = [
    path("failing", failing_view),
    path("", include("config.urls")),
]
