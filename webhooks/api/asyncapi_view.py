"""The catalog of the events we send (webhooks/asyncapi.py), for machines and people:
GET /asyncapi.json, and GET /docs/events, the same document as a page.

Public, like /openapi.json and /docs: they say what any integration may receive,
nothing of anybody's data. Built once per process, then served from memory.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.markdown_text import markdown_html
from webhooks.asyncapi import document, document_json


@require_safe
def asyncapi_document(request: HttpRequest) -> HttpResponse:
    return HttpResponse(document_json(), content_type="application/json")


@require_safe
def event_catalog_page(request: HttpRequest) -> HttpResponse:
    doc = document()
    schemas = doc["components"]["schemas"]
    events = []
    for event_type, message in doc["components"]["messages"].items():
        payload = schemas[message["payload"]["$ref"].rsplit("/", 1)[-1]]
        (example,) = message["examples"]
        events.append(
            {
                "type": event_type,
                "summary": message["summary"],
                "data": payload["properties"]["data"]["$ref"].rsplit("/", 1)[-1],
                "data_description": payload["properties"]["data"].get("description", ""),
                "example": json.dumps(example["payload"], indent=2, ensure_ascii=False),
                "headers": "\n".join(f"{k}: {v}" for k, v in example["headers"].items()),
            }
        )
    return render(
        request,
        "docs/events.html",
        {
            "title": doc["info"]["title"],
            "description": markdown_html(doc["info"]["description"]),
            "events": events,
        },
    )
