"""The traceability pages, mounted at /trace/; each area adds its own patterns."""

from django.urls import path

from atmp.trace.views import identities
from atmp.web.pages import page

app_name = "trace"

urlpatterns = [
    *identities.urlpatterns,
]
