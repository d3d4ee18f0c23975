"""The webhook endpoints API (webhooks/api/views.py) and the catalog of the events we
send (/asyncapi.json)."""

from django.urls import path

from core.urls import ApiRouter
from webhooks.api.asyncapi_view import asyncapi_document
from webhooks.api.views import WebhookEndpointViewSet

app_name = "webhooks_api"

router = ApiRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
urlpatterns: list = [
    path("asyncapi.json", asyncapi_document, name="asyncapi"),
    *router.urls,
]
