from django.contrib import admin
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("problems/<slug:slug>", core_views.problem_type_page, name="problem-type"),
    path("", include("phonenumbers_app.api.urls")),
    path("", include("businesses.api.urls")),
]

handler404 = "core.problems.handler404"
handler500 = "core.problems.handler500"
