from django.urls import path

from phonenumbers_app import views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("numbers/", views.number_list, name="numbers"),
    path("numbers/<uuid:id>/", views.number_detail, name="number"),
    path("numbers/<uuid:id>/<slug:action>/", views.number_action, name="number-action"),
    path("businesses/<uuid:id>/", views.business_detail, name="business"),
]
