"""URL map: the web UI at /, the REST API at /api/v1/."""

from django.urls import include, path

urlpatterns = [
    path("", include("atmp.web.urls")),
]
