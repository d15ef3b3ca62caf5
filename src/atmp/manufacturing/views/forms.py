"""The write pages, each drawn from its API operation (ADR 0013), and the record pages' buttons."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse

from atmp.accounts.models import User
from atmp.manufacturing.api import equipment as eq_api
from atmp.manufacturing.api import products as products_api
from atmp.manufacturing.models import (
    AtmpClass,
    Equipment,
    GmoClass,
    MasterBatchRecord,
    Origin,
    Outcome,
    ProcessVersion,
    VectorType,
)
from atmp.manufacturing.selectors.lists import site_choices
from atmp.web.operations import OperationForm, operation_view

EQ = Equipment.record_type()
_WHEN = {"at": "Empty: now. Enter an earlier time only for work done before it is entered."}


def _entry(title: str, operation: Any, **extra: Any) -> OperationForm:
    return OperationForm(
        title=title, operation=operation, record_type=EQ, path="equipment_id", returns="record", help=_WHEN, **extra
    )


NEW_PRODUCT = OperationForm(
    title="Add a product",
    operation=products_api.add_product,
    choices={
        "atmp_class": AtmpClass.choices,
        "vector_type": VectorType.choices,
        "origin": Origin.choices,
        "gmo_class": GmoClass.choices,
    },
    help={"containment_level": "0 (not a GMO) to 4; at least the GMO class (Directive 2009/41/EC Annex IV)."},
    submit="Add",
    back="manufacturing:products",
)
NEW_VERSION = OperationForm(
    title="Draft a process version",
    operation=products_api.add_process_version,
    choices={"site": site_choices},
    help={"change_control": "Needed before a version after the first becomes effective; it may be linked later."},
    submit="Draft",
    back="manufacturing:process_versions",
)
LINK_CHANGE = OperationForm(
    title="Link the change control that introduced it",
    operation=products_api.link_change,
    record_type=ProcessVersion.record_type(),
    path="version_id",
    submit="Link",
    returns="record",
)
NEW_EQUIPMENT = OperationForm(
    title="Register equipment",
    operation=eq_api.register_equipment,
    choices={"site": site_choices},
    submit="Register",
    back="manufacturing:equipment",
)
USE = _entry("Record a use", eq_api.record_use, submit="Record use")
CLEAN = _entry("Record a cleaning", eq_api.record_cleaning, submit="Record cleaning")
CALIBRATE = _entry(
    "Enter a calibration result",
    eq_api.record_calibration,
    # No result is preselected: the operator picks one (a wrong default would pass or fail an instrument).
    choices={"result": [("", "— choose —"), *Outcome.choices]},
    intro=(
        "Always accepted, even out of calibration. A failed result takes the equipment out of service "
        "and opens a deviation."
    ),
    submit="Enter result",
)
MAINTAIN = _entry("Record a maintenance", eq_api.record_maintenance, submit="Record maintenance")
BREAKDOWN = _entry(
    "Record a breakdown",
    eq_api.record_breakdown,
    intro="The equipment goes out of service until QA returns it.",
    submit="Record",
)
REGIMES = OperationForm(
    title="Edit the equipment",
    operation=eq_api.set_regimes,
    record_type=EQ,
    path="equipment_id",
    initial=lambda e: {
        "name": e.name,
        "location": e.location,
        "equipment_class": e.equipment_class,
        "calibration_interval_days": e.calibration_interval_days,
        "maintenance_interval_days": e.maintenance_interval_days,
        "cleaning_required": e.cleaning_required,
        "clean_hold_hours": e.clean_hold_hours,
    },
)

# (URL name, route under equipment/<id>/, form, button label): the equipment page's tablet buttons.
ENTRY_FORMS = (
    ("equipment_use", "use", USE, "Use"),
    ("equipment_clean", "clean", CLEAN, "Cleaning"),
    ("equipment_calibrate", "calibrate", CALIBRATE, "Calibration"),
    ("equipment_maintain", "maintain", MAINTAIN, "Maintenance"),
    ("equipment_breakdown", "breakdown", BREAKDOWN, "Breakdown"),
)

urlpatterns = [
    path("products/new/", operation_view(NEW_PRODUCT), name="product_new"),
    path("process-versions/new/", operation_view(NEW_VERSION), name="process_version_new"),
    path("process-versions/<int:record_id>/change-control/", operation_view(LINK_CHANGE), name="process_version_link"),
    path("equipment/new/", operation_view(NEW_EQUIPMENT), name="equipment_new"),
    path("equipment/<int:record_id>/edit/", operation_view(REGIMES), name="equipment_edit"),
    *(
        path(f"equipment/<int:record_id>/{route}/", operation_view(form), name=name)
        for name, route, form, _ in ENTRY_FORMS
    ),
]


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's buttons: the equipment's page and edit; a draft version's change-control link."""
    if record.voided:
        return []
    if isinstance(record, Equipment):
        found = [
            {
                "label": "Equipment page and logbook",
                "url": reverse("manufacturing:equipment_page", args=[record.pk]),
                "kind": "button",
            }
        ]
        if record.status != "retired" and REGIMES.may(user):
            found.append(
                {"label": "Edit", "url": reverse("manufacturing:equipment_edit", args=[record.pk]), "kind": "button"}
            )
        return found
    if isinstance(record, ProcessVersion):
        from atmp.manufacturing.views.mbr import process_buttons

        found = process_buttons(user, record)
        if record.status == "draft" and LINK_CHANGE.may(user):
            url = reverse("manufacturing:process_version_link", args=[record.pk])
            found.append({"label": "Link change control", "url": url, "kind": "button"})
        return found
    if isinstance(record, MasterBatchRecord):
        url = reverse("manufacturing:mbr_page", args=[record.pk])
        return [{"label": "Steps, parameters and materials", "url": url, "kind": "button"}]
    return []
