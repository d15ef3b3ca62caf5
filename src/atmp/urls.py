"""URL map: the web UI at /, the REST API at /api/v1/."""

from django.urls import include, path

from atmp.api.main import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("atmp.web.urls")),
]
