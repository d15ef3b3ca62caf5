"""Reads of master batch records: the content as its JSON document, the steps with their rows, the list."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.manufacturing.models import (
    MasterBatchRecord,
    MbrControl,
    MbrMaterial,
    MbrParameter,
    MbrStep,
    MbrStepSop,
)
from atmp.manufacturing.services.mbr_content import (
    ContentPlan,
    ControlPlan,
    MaterialPlan,
    ParameterPlan,
    StepPlan,
    plan_document,
)
from atmp.manufacturing.workflows.mbr import MBR_WORKFLOW


def steps_of(mbr: MasterBatchRecord) -> list[MbrStep]:
    """Return the live steps of the record in order, each with its live SOPs, parameters, controls and materials."""
    live = {"voided": False}
    return list(
        MbrStep.objects.filter(mbr=mbr, **live)
        .order_by("number")
        .prefetch_related(
            Prefetch("sops", MbrStepSop.objects.filter(**live).select_related("document").order_by("position")),
            Prefetch("parameters", MbrParameter.objects.filter(**live).order_by("position")),
            Prefetch("controls", MbrControl.objects.filter(**live).order_by("position")),
            Prefetch("materials", MbrMaterial.objects.filter(**live).select_related("material").order_by("position")),
        )
    )


def plan_of(mbr: MasterBatchRecord, steps: list[MbrStep] | None = None) -> ContentPlan:
    """Return the stored content as a plan (the shape check_document returns)."""
    return ContentPlan(
        title=mbr.title,
        steps=[
            StepPlan(
                number=s.number,
                title=s.title,
                instructions=s.instructions,
                sops=[x.document for x in s.sops.all()],
                room_grade=s.room_grade,
                equipment_classes=list(s.equipment_classes),
                parallel_with_previous=s.parallel_with_previous,
                verification=s.verification,
                parameters=[
                    ParameterPlan(p.name, p.unit, p.nor_low, p.nor_high, p.par_low, p.par_high, p.decimals)
                    for p in s.parameters.all()
                ],
                controls=[ControlPlan(c.name, c.unit, c.low, c.high) for c in s.controls.all()],
                materials=[
                    MaterialPlan(m.material, m.quantity, m.unit, m.tolerance_percent, m.verification)
                    for m in s.materials.all()
                ],
            )
            for s in (steps if steps is not None else steps_of(mbr))
        ],
    )


def document_of(mbr: MasterBatchRecord) -> dict[str, Any]:
    """Return the record's content as the JSON document it was authored from."""
    return plan_document(plan_of(mbr))


def master_records(viewer: User) -> QuerySet[MasterBatchRecord]:
    """Return the live master batch records of the viewer's sites."""
    rows = MasterBatchRecord.objects.filter(voided=False).select_related(
        "process_version", "process_version__product", "process_version__site"
    )
    return visible_records(viewer, rows)


def mbr_url(row: Any) -> str:
    """Return the record's own page (its steps)."""
    return reverse("manufacturing:mbr_page", args=[row.pk])


def _product_choices(viewer: User) -> list[tuple[str, str]]:
    from atmp.manufacturing.models import Product

    return [(p.code, f"{p.code}: {p.name}") for p in Product.objects.filter(voided=False).order_by("code")]


def _process_choices(viewer: User) -> list[tuple[str, str]]:
    from atmp.manufacturing.selectors.lists import process_versions

    rows = process_versions(viewer).order_by("product__code", "site__code", "number")
    return [(str(v.pk), f"{v.product.code} v{v.number} at {v.site.code}") for v in rows]


MASTER_RECORDS = ListSpec(
    name="master_batch_records",
    title="Master batch records",
    rows=master_records,
    default_sort="product",
    columns=(
        Column("product", "Product", value="process_version.product.code", sort="process_version__product__code"),
        Column("site", "Site", value="process_version.site.code", sort="process_version__site__code"),
        Column(
            "process_version",
            "Process version",
            value=lambda m: m.process_version.number,
            sort="process_version__number",
        ),
        Column("number", "MBR", sort="number", link=mbr_url),
        Column("title", "Title", sort="title", link=mbr_url),
        Column("status", "Status", value=lambda m: m.state_label(), sort="status"),
        Column("effective_from", "Effective from", sort="effective_from"),
    ),
    filters=(
        TextFilter("q", "Product or title", fields=("process_version__product__code", "title")),
        ChoiceFilter("product", "Product", lookup="process_version__product__code", choices=_product_choices),
        ChoiceFilter("process", "Process version", lookup="process_version_id", choices=_process_choices),
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in MBR_WORKFLOW.states]),
    ),
)
