"""The providers API: search, availability, orders."""

from core.urls import with_and_without_slash
from providers.api.views import AvailabilityView, OrdersView, OrderView, SearchView

app_name = "providers_api"

urlpatterns = [
    *with_and_without_slash("phone-numbers/search", SearchView.as_view(), name="search"),
    *with_and_without_slash(
        "phone-numbers/is-available-for-purchase",
        AvailabilityView.as_view(),
        name="availability",
    ),
    *with_and_without_slash("phone-numbers/orders", OrdersView.as_view(), name="orders"),
    *with_and_without_slash("phone-numbers/orders/<uuid:id>", OrderView.as_view(), name="order"),
]
