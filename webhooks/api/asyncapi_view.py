"""GET /asyncapi.json: the catalog of the events we send (webhooks/asyncapi.py).

Public, like /openapi.json: it says what any integration may receive, nothing of
anybody's data. Built once per process, then served from memory.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from webhooks.asyncapi import document_json


@require_safe
def asyncapi_document(request: HttpRequest) -> HttpResponse:
    return HttpResponse(document_json(), content_type="application/json")
