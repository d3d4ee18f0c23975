from django.urls import path

from bench.bare_view import bare_create
from config.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("bench/bare-create", bare_create), *app_urlpatterns]
