"""The QC laboratory's pages: the index, methods (list and page), specifications (list, page, the
write forms drawn from their API operations, ADR 0013) and a product's specification history."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.lab.api import core as lab_api
from atmp.lab.models import Method, MethodType, Phase, Specification
from atmp.lab.selectors import lab as selectors
from atmp.lab.services import phases
from atmp.manufacturing.models import Product
from atmp.web.lists import list_page
from atmp.web.operations import OperationForm, operation_view
from atmp.workflow import engine


def _products(viewer: User) -> list[tuple[str, str]]:
    return [("", "— choose —")] + [
        (p.code, f"{p.code}: {p.name}") for p in Product.objects.filter(voided=False).order_by("code")
    ]


def _methods(viewer: User) -> list[tuple[str, str]]:
    return [("", "— choose —")] + [
        (m.code, f"{m.code}: {m.title}") for m in Method.objects.filter(voided=False).order_by("code")
    ]


NEW_METHOD = OperationForm(
    title="Add an analytical method",
    operation=lab_api.add_method,
    choices={"method_type": MethodType.choices},
    submit="Add",
    back="lab:methods",
)
NEW_SPECIFICATION = OperationForm(
    title="Draft a specification",
    operation=lab_api.new_specification,
    choices={"product": _products, "phase": Phase.choices},
    help={"copy_from": "The id of a specification of the same product whose attributes the draft starts with."},
    submit="Draft",
    back="lab:specifications",
)
ADD_ATTRIBUTE = OperationForm(
    title="Add an attribute",
    operation=lab_api.add_attribute,
    record_type=Specification.record_type(),
    path="spec_id",
    choices={
        "method": _methods,
        "kind": [("numeric", "Numeric criterion"), ("conforms", "Conforms"), ("report", "Report result")],
    },
    help={"criterion": "Numeric: 98.0-102.0, >=1.0E12, <=5, >A, <B (USP 7.20: values are rounded to its decimals)."},
    submit="Add",
    returns="record",
)


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show the laboratory's areas."""
    return render(request, "lab/index.html", {"products": Product.objects.filter(voided=False).order_by("code")})


@requires("records.view")
def method_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the methods with their validation status per phase."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("lab:method_new") if may_write else None}
    return list_page(request, selectors.METHODS, template="lab/list.html", context=context)


@requires("records.view")
def method_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a method: its SOP and its validation status per phase with the reports."""
    found = Method.objects.filter(pk=record_id, voided=False).select_related("sop").first()
    if found is None:
        raise Http404("there is no such method")
    context = {
        "method": found,
        "doc": selectors.method_document(found),
        "record_url": reverse("web:record", args=[found.record_type(), found.pk]),
        "validate_url": reverse("lab:method_validation", args=[found.pk])
        if request.user.can("records.write")  # type: ignore[union-attr]
        else None,
    }
    return render(request, "lab/method_detail.html", context)


@requires("records.view")
def specification_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the specifications, filtered by product, phase or state."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("lab:specification_new") if may_write else None}
    return list_page(request, selectors.SPECIFICATIONS, template="lab/list.html", context=context)


@requires("records.view")
def specification_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a specification: its state and transitions (signed on its record page) and its attributes."""
    user: User = request.user  # type: ignore[assignment]
    found = Specification.objects.filter(pk=record_id, voided=False).select_related("product").first()
    if found is None:
        raise Http404("there is no such specification")
    context = {
        "spec": found,
        "doc": selectors.specification_document(found),
        "options": engine.available(user, found),
        "record_url": reverse("web:record", args=[found.record_type(), found.pk]),
        "add_url": reverse("lab:attribute_add", args=[found.pk])
        if found.status == "draft" and ADD_ATTRIBUTE.may(user)
        else None,
    }
    return render(request, "lab/specification_detail.html", context)


@requires("records.view")
def history_page(request: HttpRequest, code: str) -> HttpResponse:
    """Show a product's specifications side by side, and per attribute the batch data with its tolerance interval."""
    product = Product.objects.filter(code=code, voided=False).first()
    if product is None:
        raise Http404("there is no such product")
    from atmp.lab.selectors.history import batch_data

    context = selectors.history(product) | {"phase": phases.record_of(product)}
    context["attributes"] = batch_data(product, context["specifications"], context["rows"])
    return render(request, "lab/history.html", context)


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's buttons: a method's or specification's own page, and adding an attribute."""
    if record.voided:
        return []
    if isinstance(record, Method):
        return [{"label": "Method page", "url": reverse("lab:method_page", args=[record.pk]), "kind": "button"}]
    if isinstance(record, Specification):
        found = [
            {
                "label": "Specification page",
                "url": reverse("lab:specification_page", args=[record.pk]),
                "kind": "button",
            },
        ]
        if record.product is not None:
            found.append(
                {"label": "History", "url": reverse("lab:history", args=[record.product.code]), "kind": "button"}
            )
        if record.status == "draft" and ADD_ATTRIBUTE.may(user):
            found.append(
                {"label": "Add an attribute", "url": reverse("lab:attribute_add", args=[record.pk]), "kind": "button"}
            )
        return found
    return []


form_urlpatterns = [
    path("methods/new/", operation_view(NEW_METHOD), name="method_new"),
    path("specifications/new/", operation_view(NEW_SPECIFICATION), name="specification_new"),
    path("specifications/<int:record_id>/attributes/new/", operation_view(ADD_ATTRIBUTE), name="attribute_add"),
]
