"""The providers API: search, availability, orders."""

urlpatterns: list = []
