"""The quality system's pages, mounted at /quality/; each area adds its own patterns."""

from django.urls import path

from atmp.quality.views import (
    capa,
    changes,
    complaints,
    deviations,
    documents,
    index,
    inspections,
    reviews,
    risk,
    suppliers,
)
from atmp.web.pages import page

app_name = "quality"

urlpatterns = [
    path("", page(index.index), name="index"),
    *deviations.urlpatterns,
    *capa.urlpatterns,
    *changes.urlpatterns,
    *risk.urlpatterns,
    *documents.urlpatterns,
    *reviews.urlpatterns,
    *suppliers.urlpatterns,
    *complaints.urlpatterns,
    *inspections.urlpatterns,
]
