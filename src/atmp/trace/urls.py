"""Traceability's pages, mounted at /trace/; each area adds its own patterns."""

from django.urls import path

from atmp.trace.views import banks, custody, genealogy, identifiers, identities, index, labels, recall
from atmp.web.pages import page

app_name = "trace"

urlpatterns = [
    path("", page(index.index), name="index"),
    path("cell-banks/", page(banks.bank_list), name="banks"),
    path("genealogy/", page(genealogy.genealogy_page), name="genealogy"),
    path("identifiers/", page(identifiers.identifiers), name="identifiers"),
    *identities.urlpatterns,
    path("labels/", page(labels.labels), name="labels"),
    path("lots/<str:number>/label.pdf", page(labels.label_pdf), name="label-pdf"),
    path("lots/<str:number>/label.png", page(labels.label_png), name="label-png"),
    *custody.urlpatterns,
    path("recall/", page(recall.recall), name="recall"),
    path("recall/<str:root>/open/", recall.open_page, name="recall-open"),
]
