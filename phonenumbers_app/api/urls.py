from core.urls import with_and_without_slash as both
from phonenumbers_app.api import views

app_name = "phonenumbers_api"

urlpatterns = [
    *both("phone-numbers", views.PhoneNumberCollectionApi.as_view(), "collection"),
    *both("phone-numbers/<uuid:id>", views.PhoneNumberDetailApi.as_view(), "detail"),
    *both("phone-numbers/<uuid:id>/events", views.PhoneNumberEventsApi.as_view(), "events"),
    *both("phone-numbers/<uuid:id>/warmup", views.PhoneNumberWarmupApi.as_view(), "warmup"),
    *both(
        "phone-numbers/<uuid:id>/warmup/pause",
        views.PhoneNumberWarmupPauseApi.as_view(),
        "warmup-pause",
    ),
    *both(
        "phone-numbers/<uuid:id>/warmup/resume",
        views.PhoneNumberWarmupResumeApi.as_view(),
        "warmup-resume",
    ),
]
