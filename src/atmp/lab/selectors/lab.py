"""Reads of the laboratory: method and specification documents, their lists, and a product's
specification history (each attribute's criterion per phase and version, side by side)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.lab.models import (
    Method,
    MethodType,
    MethodValidation,
    Phase,
    Specification,
    SpecificationAttribute,
    ValidationStatus,
)
from atmp.lab.services.methods import fit_for, required_status
from atmp.lab.units import label as unit_label
from atmp.lab.workflows.specifications import SPECIFICATION_WORKFLOW
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.manufacturing.models import Product

PHASES = [str(p) for p in Phase.values]


def methods(viewer: User) -> QuerySet[Method]:
    """Return the live methods (every site's)."""
    return visible_records(viewer, Method.objects.filter(voided=False).select_related("sop"))


def method_url(row: Any) -> str:
    """Return the method's page."""
    return reverse("lab:method_page", args=[row.pk])


def _status_cell(phase: str) -> Any:
    def cell(m: Method) -> str:
        found = next((v for v in m.validations.all() if v.phase == phase and not v.voided), None)
        return ValidationStatus(found.validation_status).label if found else ValidationStatus.NOT_VALIDATED.label

    return cell


METHODS = ListSpec(
    name="lab_methods",
    title="Analytical methods",
    rows=lambda viewer: methods(viewer).prefetch_related("validations"),
    default_sort="code",
    columns=(
        Column("code", "Code", sort="code", link=method_url),
        Column("title", "Title", sort="title", link=method_url),
        Column("version", "Version", value="revision", sort="revision"),
        Column("method_type", "Type", value=lambda m: m.get_method_type_display(), sort="method_type"),
        *(Column(f"phase_{p}", Phase(p).label, value=_status_cell(p)) for p in PHASES),
    ),
    filters=(
        TextFilter("q", "Code or title", fields=("code", "title")),
        ChoiceFilter("type", "Type", lookup="method_type", choices=list(MethodType.choices)),
    ),
)


def specifications(viewer: User) -> QuerySet[Specification]:
    """Return the live specifications (every site's)."""
    return visible_records(viewer, Specification.objects.filter(voided=False).select_related("product"))


def specification_url(row: Any) -> str:
    """Return the specification's page."""
    return reverse("lab:specification_page", args=[row.pk])


def _product_choices(viewer: User) -> list[tuple[str, str]]:
    return [(p.code, f"{p.code}: {p.name}") for p in Product.objects.filter(voided=False).order_by("code")]


SPECIFICATIONS = ListSpec(
    name="lab_specifications",
    title="Specifications",
    rows=specifications,
    default_sort="product",
    columns=(
        Column("product", "Product", value="product.code", sort="product__code"),
        Column("phase", "Phase", value=lambda s: s.get_phase_display(), sort="phase"),
        Column("number", "Version", value=lambda s: f"v{s.number}", sort="number", link=specification_url),
        Column("title", "Title", sort="title", link=specification_url),
        Column("status", "Status", value=lambda s: s.state_label(), sort="status"),
        Column("approved_at", "Approved", sort="approved_at"),
    ),
    filters=(
        TextFilter("q", "Product or title", fields=("product__code", "title")),
        ChoiceFilter("product", "Product", lookup="product__code", choices=_product_choices),
        ChoiceFilter("phase", "Phase", lookup="phase", choices=list(Phase.choices)),
        ChoiceFilter(
            "status", "Status", lookup="status", choices=[(s.name, s.label) for s in SPECIFICATION_WORKFLOW.states]
        ),
    ),
)


def validation_document(row: MethodValidation | None, method: Method, phase: str) -> dict[str, Any]:
    """Return a method's validation status for one phase, what the phase needs, and whether it is fit."""
    return {
        "phase": phase,
        "status": row.validation_status if row else ValidationStatus.NOT_VALIDATED.value,
        "required": str(required_status(method, phase)),
        "fit": fit_for(method, phase) is None,
        "done_on": row.done_on.isoformat() if row and row.done_on else None,
        "report": row.report_id if row else None,
        "report_name": row.report.name if row and row.report else None,
        "note": row.note if row else "",
    }


def method_document(method: Method) -> dict[str, Any]:
    """Return a method with its validation status per phase (MethodOut)."""
    rows = {v.phase: v for v in MethodValidation.objects.filter(method=method, voided=False).select_related("report")}
    return {
        "id": method.pk,
        "record": method.record_key,
        "version": method.version,
        "code": method.code,
        "title": method.title,
        "method_version": method.revision,
        "method_type": method.method_type,
        "sop": method.sop.number if method.sop else None,
        "description": method.description,
        "validation": [validation_document(rows.get(p), method, p) for p in PHASES],
    }


def attributes_of(spec: Specification) -> list[SpecificationAttribute]:
    """Return the specification's live attributes in order, with their methods."""
    return list(
        SpecificationAttribute.objects.filter(specification=spec, voided=False)
        .select_related("method")
        .order_by("position")
    )


def specification_document(spec: Specification) -> dict[str, Any]:
    """Return a specification with its attributes (SpecificationOut)."""
    return {
        "id": spec.pk,
        "record": spec.record_key,
        "version": spec.version,
        "product": spec.subject,
        "phase": spec.phase,
        "number": spec.number,
        "title": spec.title,
        "status": spec.status,
        "approved_at": spec.approved_at.isoformat() if spec.approved_at else None,
        "content_hash": spec.content_hash,
        "attributes": [
            {
                "id": a.pk,
                "position": a.position,
                "name": a.name,
                "method": a.method.code,
                "kind": a.kind,
                "criterion": a.criterion,
                "unit": a.unit,
                "unit_label": unit_label(a.unit) if a.unit else "",
                "panel_test": a.panel_test,
            }
            for a in attributes_of(spec)
        ],
    }


def history(product: Product) -> dict[str, Any]:
    """Return a product's specifications in phase and version order, and per attribute name its criterion in each."""
    order = {p: i for i, p in enumerate(PHASES)}
    specs = sorted(
        Specification.objects.filter(product=product, voided=False).exclude(status="withdrawn"),
        key=lambda s: (order[s.phase], s.number),
    )
    names: list[str] = []
    cells: dict[tuple[str, int], str] = {}
    units: dict[str, str] = {}
    for spec in specs:
        for a in attributes_of(spec):
            if a.name not in names:
                names.append(a.name)
            cells[(a.name, spec.pk)] = a.criterion
            units.setdefault(a.name, a.unit)
    return {
        "product": product,
        "specifications": specs,
        "rows": [
            {"name": n, "unit": units.get(n, ""), "criteria": [cells.get((n, s.pk), "") for s in specs]} for n in names
        ],
    }
