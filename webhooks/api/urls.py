"""The webhook endpoints API (webhooks/api/views.py)."""

from django.urls import path

from webhooks.api.asyncapi_view import asyncapi_document

app_name = "webhooks_api"

urlpatterns: list = [
    path("asyncapi.json", asyncapi_document, name="asyncapi"),
]
