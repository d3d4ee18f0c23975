"""The /ops pages of webhook endpoints and their deliveries (webhooks/pages/)."""

from webhooks.pages import endpoints

app_name = "webhooks"

urlpatterns = [*endpoints.urlpatterns]
