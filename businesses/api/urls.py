from django.urls import path, re_path

from businesses.api import views

app_name = "businesses_api"

urlpatterns = [
    re_path(r"^businesses/?$", views.BusinessCollectionApi.as_view(), name="collection"),
    path("businesses/<uuid:id>", views.BusinessDetailApi.as_view(), name="detail"),
    path("businesses/<uuid:id>/", views.BusinessDetailApi.as_view()),
]
