"""The project's URLs plus views the request-log tests need: failures no view handles, and
a request that sends a task to a test's worker."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from config import celery_app
from config.urls import handler404, handler500
from config.urls import urlpatterns as project_urlpatterns
from core.request_id import current_request_id

# Where /test/send-ping sends its task: set by the test to its worker's broker and queue.
WORKER: dict[str, str] = {}


def page_that_fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a page failed")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_that_fails(request) -> HttpResponse:
    raise RuntimeError("an API view failed")


def request_id_seen_by_the_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"requestId": current_request_id()})


def send_ping(request: HttpRequest) -> JsonResponse:
    with celery_app.connection_for_write(WORKER["broker_url"]) as broker:
        result = celery_app.send_task("core.tasks.ping", queue=WORKER["queue"], connection=broker)
    return JsonResponse({"taskId": result.id})


urlpatterns = [
    path("test/page-that-fails", page_that_fails),
    path("test/api-that-fails", api_that_fails),
    path("test/send-ping", send_ping),
    path("test/request-id", request_id_seen_by_the_view),
    *project_urlpatterns,
]
__all__ = ["handler404", "handler500", "urlpatterns"]
