"""/ops/ pages of providers: buying numbers and reconciliation."""

from providers.pages import orders, reconciliation

app_name = "providers"

urlpatterns = [*orders.urlpatterns, *reconciliation.urlpatterns]
