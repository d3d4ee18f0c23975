"""The webhook endpoints API (webhooks/api/views.py)."""

app_name = "webhooks_api"

urlpatterns: list = []
