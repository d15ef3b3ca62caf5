"""The labels page: print a lot's label (PDF or PNG, in one of its site's sizes) and read a scan back.

The label URLs (/trace/lots/<number>/label.pdf and .png, ?size=…) and the scan run the same
selectors as the API and `atmp trace label` / `atmp trace scan`, so all three print the same label
and accept and refuse the same scans in the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires
from atmp.ledger.errors import LedgerError
from atmp.trace.selectors import labels as selectors
from atmp.trace.selectors import scan
from atmp.trace.selectors.lookups import lot_named


class LabelForm(forms.Form):
    """Which lot's label, in which size and format."""

    lot = forms.CharField(label="Lot number", max_length=60)
    size = forms.CharField(
        label="Size", max_length=20, required=False, help_text="One of the lot's site's sizes; its default if empty."
    )
    format = forms.ChoiceField(label="Format", choices=(("pdf", "PDF"), ("png", "PNG, 300 dpi")), initial="pdf")


class ScanForm(forms.Form):
    """A scan, as the barcode reader typed it."""

    scan = forms.CharField(
        label="Scan",
        max_length=scan.MAX_LENGTH,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text="Scan a label with a barcode reader acting as a keyboard, or type a lot number or COI.",
    )


def _label(request: HttpRequest, number: str, fmt: str) -> HttpResponse:
    from atmp.trace.api.labels import label_response

    size = request.GET.get("size") or None
    try:
        data, chosen = selectors.render_label(lot_named(number, request.user), size=size, fmt=fmt)  # type: ignore[arg-type]
    except LedgerError as exc:
        context = _context(request, label_error=str(exc), initial={"lot": number, "size": size or "", "format": fmt})
        return render(request, "trace/labels.html", context, status=404 if "there is no lot" in str(exc) else 400)
    return label_response(data, fmt, number, chosen.name)


@requires("records.view")
def label_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """Return the lot's label as PDF, in ?size= or its site's default size."""
    return _label(request, number, "pdf")


@requires("records.view")
def label_png(request: HttpRequest, number: str) -> HttpResponse:
    """Return the lot's label as PNG at 300 dpi, in ?size= or its site's default size."""
    return _label(request, number, "png")


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    initial = extra.pop("initial", None)
    label_form = LabelForm(initial=initial) if initial else LabelForm(request.GET if "lot" in request.GET else None)
    return {"label_form": label_form, "scan_form": ScanForm(), "found": None, "scan_error": "", **extra}


@requires("records.view")
def labels(request: HttpRequest) -> HttpResponse:
    """Offer a lot's label to print, and read a scan back to its lot and person."""
    context = _context(request)
    status = 200
    label_form = context["label_form"]
    if label_form.is_bound and label_form.is_valid():
        data = label_form.cleaned_data
        try:
            lot = lot_named(data["lot"], request.user)  # type: ignore[arg-type]
            context["setup"] = selectors.setup_of(lot.site_id)
            context["setup"].size(data["size"] or None)
            context["label_lot"] = lot
            context["label_size"] = data["size"]
            context["label_format"] = data["format"]
        except LedgerError as exc:
            context["label_error"], status = str(exc), 400
    if "scan" in request.GET:
        form = ScanForm(request.GET)
        context["scan_form"] = form
        if form.is_valid():
            try:
                context["found"] = scan.read(form.cleaned_data["scan"], viewer=request.user)  # type: ignore[arg-type]
            except LedgerError as exc:
                context["scan_error"], status = str(exc), 400
    return render(request, "trace/labels.html", context, status=status)
