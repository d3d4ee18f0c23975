from django.urls import path

from phonenumbers_app.pages import (
    business_lookup,
    businesses,
    dashboard,
    number_list,
    number_page,
)

app_name = "ops"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("numbers/", number_list.number_list, name="numbers"),
    path("numbers/<uuid:id>/", number_page.number_detail, name="number"),
    path("numbers/<uuid:id>/<slug:action>/", number_page.number_action, name="number-action"),
    path("businesses/", businesses.business_index, name="businesses"),
    path("businesses/lookup/", business_lookup.business_lookup, name="business-lookup"),
    path("businesses/<uuid:id>/", businesses.business_detail, name="business"),
]
