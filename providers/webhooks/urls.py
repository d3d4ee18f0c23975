"""/webhooks/<provider>: signed inbound webhooks (mounted at /webhooks/ in config/urls.py),
with or without the trailing slash, like the rest of the API."""

from core.urls import with_and_without_slash
from providers.webhooks import views

urlpatterns = [
    *with_and_without_slash("telnyx", views.telnyx_webhook, name="webhook-telnyx"),
    *with_and_without_slash("twilio", views.twilio_webhook, name="webhook-twilio"),
    *with_and_without_slash("simulated", views.simulated_webhook, name="webhook-simulated"),
]
