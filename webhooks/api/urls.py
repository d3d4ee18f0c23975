"""The webhook endpoints API (webhooks/api/views.py)."""

from core.urls import ApiRouter
from webhooks.api.views import WebhookEndpointViewSet

app_name = "webhooks_api"

router = ApiRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
urlpatterns: list = router.urls
