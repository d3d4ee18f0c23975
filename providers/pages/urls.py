"""/ops/ pages of providers: buying numbers and reconciliation."""

from providers.pages import orders, reconciliation

urlpatterns = [*orders.urlpatterns, *reconciliation.urlpatterns]
