"""Traceability's pages, mounted at /trace/; each area adds its own patterns."""

from django.urls import path

from atmp.trace.views import identifiers, identities, index
from atmp.web.pages import page

app_name = "trace"

urlpatterns = [
    path("", page(index.index), name="index"),
    path("identifiers/", page(identifiers.identifiers), name="identifiers"),
    *identities.urlpatterns,
]
