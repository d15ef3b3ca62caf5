"""The QC laboratory's pages, mounted at /lab/."""

from django.urls import path

from atmp.lab import views, views_viral
from atmp.web.pages import page

app_name = "lab"

urlpatterns = [
    path("", page(views.index), name="index"),
    *views_viral.urlpatterns,
]
