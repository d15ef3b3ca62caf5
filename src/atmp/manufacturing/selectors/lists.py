"""The manufacturing lists, declared once for their pages, their CSV and their API operations."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter
from atmp.manufacturing.models import AtmpClass, Equipment, ProcessVersion, Product, VectorType
from atmp.manufacturing.selectors.equipment import SOON_DAYS, due_state
from atmp.manufacturing.workflows.equipment import EQUIPMENT_WORKFLOW
from atmp.manufacturing.workflows.processes import PROCESS_WORKFLOW
from atmp.workflow.engine import today


def record_url(row: Any) -> str:
    """Return the record page of a row."""
    return reverse("web:record", args=[row.record_type(), row.pk])


def equipment_url(row: Any) -> str:
    """Return the equipment's own page (its logbook and the forms made for a tablet)."""
    return reverse("manufacturing:equipment_page", args=[row.pk])


def site_choices(viewer: User) -> list[tuple[str, str]]:
    """Return (code, name) of the sites the viewer may see."""
    return [(s.code, f"{s.code}: {s.name}") for s in visible_sites(viewer).filter(voided=False).order_by("code")]


def products(viewer: User) -> QuerySet[Product]:
    """Return the live products (every site's)."""
    return Product.objects.filter(voided=False)


def process_versions(viewer: User) -> QuerySet[ProcessVersion]:
    """Return the live process versions of the viewer's sites."""
    return visible_records(viewer, ProcessVersion.objects.filter(voided=False).select_related("product", "site"))


def equipment(viewer: User) -> QuerySet[Equipment]:
    """Return the live equipment of the viewer's sites."""
    return visible_records(viewer, Equipment.objects.filter(voided=False).select_related("site"))


def _due_text(row: Equipment, work: str) -> str:
    due_on = getattr(row, f"{work}_due")
    state = due_state(due_on, getattr(row, f"{work}_interval_days"), today())
    if state == "none":
        return "—"
    if state == "never":
        return "never done"
    return f"{due_on.isoformat()} ({state})" if state != "ok" else due_on.isoformat()


def _due_badge(work: str) -> Any:
    def html(row: Equipment) -> str:
        text = _due_text(row, work)
        kind = "overdue" if ("overdue" in text or text == "never done") else ("soon" if "soon" in text else "")
        return format_html('<span class="badge {}">{}</span>', kind, text) if kind else text

    return html


def _clean_text(row: Equipment) -> str:
    if not row.cleaning_required:
        return "not required"
    return row.get_clean_status_display()


def _overdue(rows: QuerySet[Any], value: str, viewer: User) -> QuerySet[Any]:
    """Keep the equipment whose calibration or maintenance is overdue or never done (or due soon too)."""
    import datetime as dt

    horizon = today() - dt.timedelta(days=1) if value == "overdue" else today() + dt.timedelta(days=SOON_DAYS)
    late = Q()
    for work in ("calibration", "maintenance"):
        late |= Q(**{f"{work}_interval_days__isnull": False}) & (
            Q(**{f"{work}_due__isnull": True}) | Q(**{f"{work}_due__lte": horizon})
        )
    return rows.filter(late)


PRODUCTS = ListSpec(
    name="products",
    title="Products",
    rows=products,
    default_sort="code",
    columns=(
        Column("code", "Code", sort="code", link=record_url),
        Column("name", "Name", sort="name"),
        Column("atmp_class", "ATMP class", value=lambda p: p.get_atmp_class_display(), sort="atmp_class"),
        Column("vector_type", "Vector", value=lambda p: p.get_vector_type_display(), sort="vector_type"),
        Column("origin", "Origin", value=lambda p: p.get_origin_display(), sort="origin"),
        Column("gmo_class", "GMO class", sort="gmo_class"),
        Column("containment_level", "Containment level", sort="containment_level"),
    ),
    filters=(
        TextFilter("q", "Code or name", fields=("code", "name")),
        ChoiceFilter("atmp_class", "ATMP class", lookup="atmp_class", choices=AtmpClass.choices),
        ChoiceFilter("vector_type", "Vector", lookup="vector_type", choices=VectorType.choices),
    ),
)

PROCESS_VERSIONS = ListSpec(
    name="process_versions",
    title="Process versions",
    rows=process_versions,
    default_sort="product",
    columns=(
        Column("product", "Product", value="product.code", sort="product__code", link=record_url),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("number", "Version", sort="number"),
        Column("title", "Title", sort="title"),
        Column("status", "Status", value=lambda v: v.state_label(), sort="status"),
        Column("effective_from", "Effective from", sort="effective_from"),
    ),
    filters=(
        TextFilter("q", "Product or title", fields=("product__code", "product__name", "title")),
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in PROCESS_WORKFLOW.states]),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
    ),
)

EQUIPMENT = ListSpec(
    name="equipment",
    title="Equipment",
    rows=equipment,
    default_sort="code",
    columns=(
        Column("code", "Code", sort="code", link=equipment_url),
        Column("name", "Name", sort="name"),
        Column("equipment_class", "Class", sort="equipment_class"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("location", "Location", sort="location"),
        Column("status", "Status", value=lambda e: e.state_label(), sort="status"),
        Column(
            "calibration_due",
            "Calibration due",
            value=lambda e: _due_text(e, "calibration"),
            sort="calibration_due",
            html=_due_badge("calibration"),
        ),
        Column(
            "maintenance_due",
            "Maintenance due",
            value=lambda e: _due_text(e, "maintenance"),
            sort="maintenance_due",
            html=_due_badge("maintenance"),
        ),
        Column("clean_status", "Cleaning", value=_clean_text, sort="clean_status"),
    ),
    filters=(
        TextFilter("q", "Code, name or location", fields=("code", "name", "location")),
        TextFilter("equipment_class", "Class", fields=("equipment_class",)),
        ChoiceFilter(
            "status", "Status", lookup="status", choices=[(s.name, s.label) for s in EQUIPMENT_WORKFLOW.states]
        ),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
        ChoiceFilter(
            "due",
            "Calibration or maintenance",
            choices=(("overdue", "overdue"), ("soon", f"overdue or due within {SOON_DAYS} days")),
            narrow=_overdue,
        ),
    ),
)
