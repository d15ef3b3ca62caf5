"""The manufacturing pages: the index, the lists, and the equipment page (its state, whether it may be
used now, the tablet's buttons for logbook entries, and the logbook)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from atmp.accounts.access import requires
from atmp.accounts.services import can_see
from atmp.ledger import clock
from atmp.manufacturing.models import Equipment, LogbookEntry
from atmp.manufacturing.selectors import lists
from atmp.manufacturing.selectors.equipment import due_state
from atmp.manufacturing.services.equipment import usable
from atmp.web.lists import list_page
from atmp.workflow import links

LOGBOOK_ROWS = 200


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show the manufacturing areas."""
    return render(request, "manufacturing/index.html", {})


def _list(spec: Any, new: str = "") -> Any:
    @requires("records.view")
    def view(request: HttpRequest) -> HttpResponseBase:
        may_write = request.user.can("records.write")  # type: ignore[union-attr]
        context = {"new_url": reverse(new) if new and may_write else None}
        return list_page(request, spec, template="manufacturing/list.html", context=context)

    view.__name__ = view.__qualname__ = f"{spec.name}_list"
    view.__doc__ = f"Show the list of {spec.title.lower()}."
    return view


products = _list(lists.PRODUCTS, "manufacturing:product_new")
process_versions = _list(lists.PROCESS_VERSIONS, "manufacturing:process_version_new")
equipment_list = _list(lists.EQUIPMENT, "manufacturing:equipment_new")


@requires("records.view")
def equipment_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a piece of equipment: whether it may be used now, its due dates, the entry buttons and its logbook."""
    eq = Equipment.objects.select_related("site", "iq_report", "oq_report", "pq_report").filter(pk=record_id).first()
    if eq is None or not can_see(request.user, eq):  # type: ignore[arg-type]
        raise Http404("there is no such equipment")
    now = clock.now()
    entries = list(
        LogbookEntry.objects.filter(equipment=eq, voided=False).select_related("created_by", "report")[:LOGBOOK_ROWS]
    )
    deviations = [d for d in links.linking(eq, relation="concerns", source_type="quality.deviation")]
    context = {
        "eq": eq,
        "refused": usable(eq, on=now),
        "calibration_state": due_state(eq.calibration_due, eq.calibration_interval_days, now.date()),
        "maintenance_state": due_state(eq.maintenance_due, eq.maintenance_interval_days, now.date()),
        "entries": entries,
        "deviations": deviations,
        "may_write": not eq.voided and eq.status != "retired" and request.user.can("records.write"),  # type: ignore[union-attr]
        "stages": [(s.upper(), getattr(eq, f"{s}_date"), getattr(eq, f"{s}_report")) for s in ("iq", "oq", "pq")],
    }
    return render(request, "manufacturing/equipment.html", context)
