"""The /ops pages of webhook endpoints and their deliveries (webhooks/pages/)."""

app_name = "webhooks"

urlpatterns: list = []
