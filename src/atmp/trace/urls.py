"""The traceability pages, mounted at /trace/; each area adds its own patterns."""

from atmp.trace.views import identities

app_name = "trace"

urlpatterns = [
    *identities.urlpatterns,
]
