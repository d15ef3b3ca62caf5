"""The chain-of-custody pages: the shipments, one shipment's chain (timeline, temperature charts),
the hand-over form with its two scans, the temperature log upload, and the bedside administration.

Thin over trace.services.custody, like the API and the CLI: the same rules, refused in the same
words. Pages show the COI, never who the person is (that is the audited reveal's, ADR 0015).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.visibility import visible_records
from atmp.files.errors import FileTooLarge
from atmp.ledger.errors import LedgerError
from atmp.trace.api.custody import ship as ship_operation
from atmp.trace.models import Shipment, Stage
from atmp.trace.selectors import custody as selectors
from atmp.trace.selectors import scan
from atmp.trace.services import custody as svc
from atmp.web.operations import LocalDateTimeField, OperationForm, operation_view
from atmp.web.pages import page

# The API's own operation (POST /api/v1/trace/shipments, ADR 0013), drawn as a form.
SHIP = OperationForm(
    title="Ship lots",
    operation=ship_operation,
    fields=(
        "number",
        "tracking",
        "courier",
        "lots",
        "origin",
        "destination",
        "destination_stage",
        "destination_site",
        "patient",
        "temperature_low",
        "temperature_high",
        "shipped_at",
    ),
    choices={"destination_stage": Stage.choices},
    labels={
        "number": "Shipment identifier",
        "tracking": "Courier's tracking identifier",
        "lots": "Lots",
        "destination_stage": "Destination is a",
        "destination_site": "Destination site (ours)",
        "patient": "For patient (COI)",
        "temperature_low": "Lowest temperature (°C)",
        "temperature_high": "Highest temperature (°C)",
    },
    help={
        "lots": "One patient's products only; a recalled or rejected lot is refused.",
        "destination_site": "The code of the site of ours it goes to, if it does: its users record the receipt.",
        "patient": "An allogeneic product: the patient it is for; it is given at the bedside to no one else.",
        "temperature_low": "With the highest: the range the temperature log is held to (default: the lots' storage).",
    },
    submit="Ship",
    intro=(
        "A shipment leaves with its lots under a unique shipment identifier and courier's tracking identifier; "
        "each hand-over on its way is then scanned on both sides, from the shipment's page."
    ),
    back="trace:shipments",
)

SCAN_HELP = "Scan the label with a barcode reader (it types and presses Enter), or type the lot number or COI."


def _scan_field(label: str, *, next_id: str = "", help_text: str = SCAN_HELP) -> forms.CharField:
    attrs = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
    if next_id:
        attrs["data-scan-next"] = next_id
    return forms.CharField(
        label=label, max_length=scan.MAX_LENGTH, strip=False, widget=forms.TextInput(attrs=attrs), help_text=help_text
    )


class HandoverForm(forms.Form):
    """A hand-over: the stage, where, who to whom, the condition, and both sides' scans."""

    giver_scan = _scan_field("Giver's scan", next_id="id_receiver_scan")
    receiver_scan = _scan_field("Receiver's scan", next_id="id_place")
    stage = forms.ChoiceField(label="Stage", choices=[c for c in Stage.choices if c[0] != Stage.BEDSIDE])
    place = forms.CharField(label="Place", max_length=200)
    from_party = forms.CharField(label="From", max_length=200)
    to_party = forms.CharField(label="To", max_length=200)
    condition = forms.CharField(label="Condition", max_length=500, required=False, help_text="Seal, shipper, labels.")
    at = LocalDateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


class TemperatureLogForm(forms.Form):
    """The shipper's CSV log."""

    file = forms.FileField(label="Temperature log (CSV)", help_text="A time column and a temperature column in °C.")
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


class BedsideForm(forms.Form):
    """The patient's wristband and the product's label, scanned at the bedside."""

    patient_scan = _scan_field(
        "Patient's wristband", next_id="id_product_scan", help_text="Scan the wristband: it carries the COI."
    )
    product_scan = _scan_field("Product's label", next_id="id_place", help_text="Scan the bag's label.")
    place = forms.CharField(label="Place", max_length=200, help_text="Ward and bed.")
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _shipment(request: HttpRequest, identifier: str) -> Shipment:
    try:
        return svc.find_shipment(identifier, user=_user(request))
    except LedgerError:
        raise Http404(f"no shipment {identifier}") from None


def _in_zone(value: dt.datetime | None, site: Site) -> dt.datetime | None:
    """Return a time typed on the page (the site's local time) with the site's zone, or None."""
    if value is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(site.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return value.replace(tzinfo=zone)


def _refusal(form: forms.Form, exc: LedgerError) -> dict[str, Any]:
    """Put a refusal beside the field it names (or above the form); return what a blocked attempt left."""
    field = str(getattr(exc, "field", "") or "").split(".")[0]
    form.add_error(field if field in form.fields else None, str(exc))
    if isinstance(exc, svc.HandoverBlocked):
        return {"blocked": exc.handover, "deviation": exc.deviation}
    return {}


def _status(exc: LedgerError) -> int:
    from atmp.api.errors import status_of

    return status_of(exc)


@requires("records.view")
def shipments(request: HttpRequest) -> HttpResponse:
    """List the shipments the user may see, newest first, and find one by its shipment or tracking identifier."""
    wanted = request.GET.get("q", "").strip()
    if wanted:
        try:
            found = svc.find_shipment(wanted, user=_user(request))
        except LedgerError as exc:
            rows = _visible(request)
            return render(request, "trace/shipments.html", {"rows": rows, "q": wanted, "error": str(exc)}, status=404)
        return redirect("trace:shipment", identifier=found.number)
    context = {"rows": _visible(request), "q": "", "error": "", "may_ship": SHIP.may(_user(request))}
    return render(request, "trace/shipments.html", context)


def _visible(request: HttpRequest) -> list[Shipment]:
    rows = Shipment.objects.select_related("site", "person", "destination_site").filter(voided=False).order_by("-pk")
    return list(visible_records(_user(request), rows)[:200])


def _chain_context(shipment: Shipment) -> dict[str, Any]:
    logs = []
    for log in selectors.logs_of(shipment):
        try:
            drawn = selectors.chart(svc.readings_of(log), log.low, log.high)
        except LedgerError:
            drawn = None  # the file store is unreadable: the summary still shows
        logs.append({"log": log, "chart": drawn, "deviations": svc.linked_deviations(log)})
    events = [{"h": h, "deviations": svc.linked_deviations(h)} for h in selectors.handovers_of(shipment)]
    return {
        "shipment": shipment,
        "lots": svc.lots_of(shipment),
        "events": events,
        "logs": logs,
        "held": svc.held_because(shipment),
    }


@requires("records.view")
def shipment(request: HttpRequest, identifier: str) -> HttpResponse:
    """Show a shipment's chain of custody: its lots, each hand-over (blocked ones too) and its temperature logs."""
    found = _shipment(request, identifier)
    context = _chain_context(found)
    context["may_write"] = _user(request).can("records.write")
    return render(request, "trace/shipment.html", context)


@requires("records.write")
def handover(request: HttpRequest, identifier: str) -> HttpResponse:
    """Hand a shipment over by scanning both sides; a mismatch shows the blocked attempt and its deviation."""
    found = _shipment(request, identifier)
    form = HandoverForm(request.POST or None, initial={"stage": found.destination_stage})
    zone = svc.handover_site(_user(request), found, found.destination_stage).timezone or "UTC"
    form.fields["at"].help_text = f"{zone} time; empty: now. Not before the shipment left nor its last hand-over."
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {
                **form.cleaned_data,
                "at": _in_zone(
                    form.cleaned_data["at"], svc.handover_site(_user(request), found, form.cleaned_data["stage"])
                ),
            }
            try:
                svc.record_handover(actor=_user(request), shipment=found, **values)
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                extra, status = _refusal(form, exc), _status(exc)
            else:
                return redirect(reverse("trace:shipment", args=[found.number]) + "#chain")
        else:
            status = 400
    context = {"shipment": found, "form": form, "lots": svc.lots_of(found), **extra}
    return render(request, "trace/handover.html", context, status=status)


@requires("records.write")
def temperature_log(request: HttpRequest, identifier: str) -> HttpResponse:
    """Upload the shipper's temperature log; the custody page then draws it against its range."""
    found = _shipment(request, identifier)
    form = TemperatureLogForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                svc.import_temperature_log(
                    actor=_user(request),
                    shipment=found,
                    stream=upload,
                    name=upload.name or "temperature-log.csv",
                    reason=form.cleaned_data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                form.add_error("file", str(exc))
                status = 413 if isinstance(exc, FileTooLarge) else _status(exc)
            else:
                return redirect(reverse("trace:shipment", args=[found.number]) + "#logs")
        else:
            status = 400
    return render(request, "trace/temperature_log.html", {"shipment": found, "form": form}, status=status)


@requires("records.write")
def bedside(request: HttpRequest) -> HttpResponse:
    """Administer at the bedside: scan the patient's wristband and the product's label; matched, then recorded."""
    form = BedsideForm(request.POST or None)
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                given = svc.administer_by_scan(actor=_user(request), **form.cleaned_data)
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                extra, status = _refusal(form, exc), _status(exc)
            else:
                extra = {"given": given}
                form = BedsideForm()
        else:
            status = 400
    return render(request, "trace/bedside.html", {"form": form, **extra}, status=status)


urlpatterns = [
    path("shipments/", page(shipments), name="shipments"),
    path("shipments/new/", operation_view(SHIP), name="ship"),
    path("shipments/<str:identifier>/", page(shipment), name="shipment"),
    path("shipments/<str:identifier>/handover/", page(handover), name="handover"),
    path("shipments/<str:identifier>/temperature-log/", page(temperature_log), name="temperature_log"),
    path("bedside/", page(bedside), name="bedside"),
]
