from django.urls import path, re_path

from phonenumbers_app.api import views

app_name = "phonenumbers_api"

# Paths answer with and without the trailing slash, never with a redirect.
urlpatterns = [
    re_path(r"^phone-numbers/?$", views.PhoneNumberCollectionApi.as_view(), name="collection"),
    path("phone-numbers/<uuid:id>", views.PhoneNumberDetailApi.as_view(), name="detail"),
    path("phone-numbers/<uuid:id>/", views.PhoneNumberDetailApi.as_view()),
]
