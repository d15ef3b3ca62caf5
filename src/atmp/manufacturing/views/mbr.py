"""The master batch record pages: the list, one record with its steps (drawn from the API's document
of it, GET /manufacturing/master-batch-records/{id}), and the page that drafts one from an uploaded
JSON file by running the API operation POST /manufacturing/master-batch-records (ADR 0013)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pydantic
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.api.errors import status_of
from atmp.ledger.errors import LedgerError
from atmp.manufacturing.api import mbr as mbr_api
from atmp.manufacturing.selectors.lists import process_versions
from atmp.manufacturing.selectors.mbr import MASTER_RECORDS
from atmp.manufacturing.services.mbr import OPEN_PROCESS_STATES, find_mbr
from atmp.web.lists import list_page
from atmp.web.operations import OperationForm, run
from atmp.web.pages import add_service_error
from atmp.workflow import engine

NEW_MBR = OperationForm(title="Draft a master batch record", operation=mbr_api.add_mbr, back="manufacturing:mbrs")
MAX_FILE = 5 * 1024 * 1024


@requires("records.view")
def mbr_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream (as views/pages.py's lists)
    """Show the master batch records, filtered by product, process version or state."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("manufacturing:mbr_new") if may_write else None}
    return list_page(request, MASTER_RECORDS, template="manufacturing/list.html", context=context)


@requires("records.view")
def mbr_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a master batch record: its state and transitions, and every step with its rows."""
    user: User = request.user  # type: ignore[assignment]
    try:
        record = find_mbr(record_id, user=user)
    except InvalidInput:
        raise Http404("there is no such master batch record") from None
    context = {
        "mbr": record,
        "doc": mbr_api.mbr_document(record),
        "options": engine.available(user, record),
        "record_url": reverse("web:record", args=[record.record_type(), record.pk]),
    }
    return render(request, "manufacturing/mbr_detail.html", context)


class MbrUploadForm(forms.Form):
    """The process version, the JSON document, and the reason."""

    process_version = forms.TypedChoiceField(coerce=int, label="Process version")
    file = forms.FileField(label="JSON document", help_text="{title, steps: […]}, as docs/manufacturing.md describes.")
    reason = forms.CharField(label="Reason", max_length=2000, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = process_versions(user).filter(status__in=OPEN_PROCESS_STATES).order_by("product__code", "number")
        field: forms.TypedChoiceField = self.fields["process_version"]  # type: ignore[assignment]
        field.choices = [("", "— choose —")] + [
            (v.pk, f"{v.product.code} v{v.number} at {v.site.code} ({v.state_label().lower()}): {v.title}")
            for v in rows
        ]


def _document(upload: Any) -> Any:
    if upload.size > MAX_FILE:
        raise InvalidInput("file", "at most 5 MB")
    try:
        return json.loads(upload.read().decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("file", f"not a JSON document: {exc}") from None


@requires("records.write")
def mbr_new(request: HttpRequest) -> HttpResponse:
    """Draft a master batch record from an uploaded JSON file (the API operation checks and writes it)."""
    user: User = request.user  # type: ignore[assignment]
    initial = {"process_version": request.GET.get("process", "")}
    form = MbrUploadForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = _document(data["file"])
                if not isinstance(document, dict):
                    raise InvalidInput("file", "the document is a JSON object {title, steps}")
                body = {"process_version": data["process_version"], "reason": data["reason"], **document}
                made = run(request, NEW_MBR, body, {})
            except pydantic.ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                form.add_error("file", f"{where}: {first['msg']}")
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc if not isinstance(exc, InvalidInput) else _on_file(exc))
                status = status_of(exc)
            else:
                return redirect(reverse("manufacturing:mbr_page", args=[made.value["id"]]))
    return render(request, "manufacturing/mbr_new.html", {"form": form}, status=status)


def _on_file(exc: InvalidInput) -> InvalidInput:
    """Show a refusal of the document's content (step 20.parameters[1].nor_low: …) beside the file."""
    if exc.field in ("process_version", "reason"):
        return exc
    return InvalidInput("file", str(exc))


def process_buttons(user: User, version: Any) -> list[dict[str, str]]:
    """Return a process version page's buttons: its master batch records, and drafting one."""
    found = [
        {
            "label": "Master batch records",
            "url": reverse("manufacturing:mbrs") + f"?process={version.pk}",
            "kind": "button",
        }
    ]
    if version.status in OPEN_PROCESS_STATES and NEW_MBR.may(user):
        url = reverse("manufacturing:mbr_new") + f"?process={version.pk}"
        found.append({"label": "Draft a master batch record", "url": url, "kind": "button"})
    return found
