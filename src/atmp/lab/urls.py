"""The QC laboratory's pages, mounted at /lab/."""

from django.urls import path

from atmp.lab import validation, views, views_disposition, views_potency, views_results, views_stability, views_viral
from atmp.web.pages import page

app_name = "lab"

urlpatterns = [
    path("", page(views.index), name="index"),
    path("methods/", page(views.method_list), name="methods"),
    path("methods/<int:record_id>/", page(views.method_page), name="method_page"),
    path("methods/<int:record_id>/validation/", page(validation.validation_page), name="method_validation"),
    path("specifications/", page(views.specification_list), name="specifications"),
    path("specifications/<int:record_id>/", page(views.specification_page), name="specification_page"),
    path("products/<str:code>/specifications/", page(views.history_page), name="history"),
    *views.form_urlpatterns,
    *views_viral.urlpatterns,
    *views_potency.urlpatterns,
    *views_results.urlpatterns,
    *views_stability.urlpatterns,
    *views_disposition.urlpatterns,
]
