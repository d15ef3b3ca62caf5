"""The disposition page of a batch: the QP's checklist (each check with its state and what is missing), the
pending tests of a conditional release, any late-result alert, and the QP's signed decisions (certify,
release before all results are in, reject), each form posting to the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.roles import Role
from atmp.api.errors import status_of
from atmp.lab.models import BatchDisposition, LateResultAlert
from atmp.lab.services import disposition as svc
from atmp.ledger.errors import LedgerError
from atmp.manufacturing.models import Batch
from atmp.web.pages import add_service_error, page

ACTIONS = ("certify", "release_conditionally", "reject")


class SignForm(forms.Form):
    """The QP's signature on a decision: why, their password and (with MFA) their code."""

    reason = forms.CharField(max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    password = forms.CharField(widget=forms.PasswordInput, help_text="Your password: you sign this decision.")
    otp = forms.CharField(max_length=16, required=False, label="Code", help_text="Your authenticator code, with MFA.")


def conditional_form(pending: list[dict[str, Any]], data: Any = None) -> SignForm:
    """Return the signature form with one expected date per pending test."""
    form = SignForm(data, prefix="release_conditionally")
    for p in pending:
        form.fields[f"expected_{p['position']}"] = forms.DateField(
            label=f"Expected date: {p['position']} {p['attribute']}",
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}),
        )
    return form


def _batch(request: HttpRequest, number: str) -> Batch:
    try:
        return svc.find_disposition_batch(number, user=request.user)  # type: ignore[arg-type]
    except InvalidInput:
        raise Http404("there is no such batch") from None


@requires("records.view")
def disposition_page(request: HttpRequest, number: str) -> HttpResponse:
    """Show the batch's checklist and, to a QP, the signed decisions; a decision posted is taken by the service."""
    user: User = request.user  # type: ignore[assignment]
    batch = _batch(request, number)
    doc = svc.document(batch)
    results = next(c for c in doc["checks"] if c["name"] == "results")
    forms_ = {
        "certify": SignForm(prefix="certify"),
        "release_conditionally": conditional_form(results["pending"]),
        "reject": SignForm(prefix="reject"),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404("no such decision")
        if not user.can("records.sign"):
            raise PermissionDenied("your roles do not grant 'records.sign'")
        form = (
            conditional_form(results["pending"], request.POST)
            if action == "release_conditionally"
            else SignForm(request.POST, prefix=action)
        )
        forms_[action] = form
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            extra: dict[str, Any] = {}
            if action == "release_conditionally":
                extra["expected"] = {
                    str(p["position"]): data.get(f"expected_{p['position']}") for p in results["pending"]
                }
            try:
                getattr(svc, action)(
                    actor=user, batch=batch, password=data["password"], otp=data["otp"] or None,
                    reason=data["reason"], **extra,
                )  # fmt: skip
            except NotAllowed as exc:
                form.add_error(None, str(exc))
                status = 403
            except LedgerError as exc:
                add_service_error(form, exc)
                status = status_of(exc)
            else:
                return redirect(reverse("lab:disposition", args=[batch.number]))
    disposition = svc.disposition_of(batch)
    final = doc["status"] in ("certified", "rejected")
    context = {
        "batch": batch,
        "doc": doc,
        "disposition": disposition,
        "forms": forms_,
        "may_decide": Role.QUALIFIED_PERSON in user.roles() and not final,
        "may_release": doc["status"] == "open" and results["state"] == "pending",
        "record_url": reverse("web:record", args=[disposition.record_type(), disposition.pk]) if disposition else None,
        "batch_url": reverse("web:record", args=[batch.record_type(), batch.pk]),
    }
    return render(request, "lab/disposition.html", context, status=status)


urlpatterns = [
    path("batches/<str:number>/disposition/", page(disposition_page), name="disposition"),
]


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's button of a batch (its disposition, or a late-result alert): the disposition page."""
    if isinstance(record, LateResultAlert):
        batch = record.disposition.batch
    elif isinstance(record, BatchDisposition):
        batch = record.batch
    elif isinstance(record, Batch) and not record.voided:
        batch = record
    else:
        return []
    return [{"label": "QP disposition", "url": reverse("lab:disposition", args=[batch.number]), "kind": "button"}]
