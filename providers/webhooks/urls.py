"""/webhooks/<provider>: signed inbound webhooks."""

urlpatterns: list = []
