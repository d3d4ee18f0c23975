from businesses.api import views
from core.urls import with_and_without_slash as both

app_name = "businesses_api"

urlpatterns = [
    *both("businesses", views.BusinessCollectionApi.as_view(), "collection"),
    *both("businesses/<uuid:id>", views.BusinessDetailApi.as_view(), "detail"),
]
