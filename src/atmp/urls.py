"""URL map: the web UI at /, the REST API at /api/v1/."""

from django.urls import include, path

from atmp import modules
from atmp.api.main import api

# A request Django refuses before any view runs (an empty or foreign Host header): JSON under
# /api/, as every API answer is, and a page elsewhere.
handler400 = "atmp.web.views.bad_request"
# Refusals, unknown URLs and faults: styled pages with the navigation, JSON under /api/.
handler403 = "atmp.web.views.forbidden"
handler404 = "atmp.web.views.not_found"
handler500 = "atmp.web.views.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    # Each domain module's own pages, under /<its prefix>/ (atmp.modules).
    *(path(f"{m.url_prefix}/", include(m.urls)) for m in modules.installed() if m.urls),
    path("", include("atmp.web.urls")),
]
