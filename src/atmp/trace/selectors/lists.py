"""The traceability lists, declared once for their API operation (and the pages to come): materials and lots."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, TextFilter
from atmp.trace.models import Lot, Material, MaterialType
from atmp.trace.workflows.lots import LOT_WORKFLOW


def record_url(row: Any) -> str:
    """Return the record page of a row."""
    return reverse("web:record", args=[row.record_type(), row.pk])


def materials(viewer: User) -> QuerySet[Material]:
    """Return the live catalogue (every site's)."""
    return Material.objects.filter(voided=False)


def lots(viewer: User) -> QuerySet[Lot]:
    """Return the live lots of the viewer's sites, with what their columns read."""
    return visible_records(viewer, Lot.objects.filter(voided=False).select_related("material", "site", "supplier"))


def site_choices(viewer: User) -> list[tuple[str, str]]:
    """Return (code, name) of the sites the viewer may see."""
    return [(s.code, f"{s.code}: {s.name}") for s in visible_sites(viewer).filter(voided=False).order_by("code")]


MATERIALS = ListSpec(
    name="materials",
    title="Materials",
    rows=materials,
    default_sort="code",
    columns=(
        Column("code", "Code", sort="code", link=record_url),
        Column("name", "Name", sort="name"),
        Column("type", "Type", sort="type"),
        Column("unit", "Unit (UCUM)", sort="unit"),
        Column("storage", "Storage"),
    ),
    filters=(
        TextFilter("q", "Code or name", fields=("code", "name")),
        ChoiceFilter("type", "Type", lookup="type", choices=MaterialType.choices),
    ),
)

LOTS = ListSpec(
    name="lots",
    title="Lots",
    rows=lots,
    default_sort="-received",
    columns=(
        Column("number", "Lot", sort="number", link=record_url),
        Column("material", "Material", value="material.code", sort="material__code"),
        Column("status", "Status", sort="status"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("quantity", "Quantity"),
        Column("unit", "Unit"),
        Column("expiry_date", "Expiry", sort="expiry_date"),
        Column("location", "Location"),
        Column("supplier", "Supplier", value=lambda lot: lot.supplier.number if lot.supplier_id else None),
        Column("supplier_lot", "Supplier's lot"),
        Column("received", "Received (UTC)", value="received_at", sort="received_at"),
    ),
    filters=(
        TextFilter("q", "Lot, supplier's lot or material", fields=("number", "supplier_lot", "material__code")),
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in LOT_WORKFLOW.states]),
        ChoiceFilter("type", "Material type", lookup="material__type", choices=MaterialType.choices),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
        DateRangeFilter("expiry", "Expiry", lookup="expiry_date"),
    ),
)
