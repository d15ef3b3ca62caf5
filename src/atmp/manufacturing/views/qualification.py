"""The page that records an IQ, OQ or PQ with its report: a file upload, so a Django form calling the
service itself (as trace's temperature-log upload does; the API operation takes the same multipart body)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.api.errors import status_of
from atmp.ledger.errors import LedgerError
from atmp.manufacturing.models import Equipment
from atmp.manufacturing.services.equipment import record_qualification_stage
from atmp.web.pages import add_service_error


class QualificationForm(forms.Form):
    """A qualification stage, its date and its report."""

    stage = forms.ChoiceField(choices=[("", "— choose —"), ("iq", "IQ"), ("oq", "OQ"), ("pq", "PQ")])
    done_on = forms.DateField(label="Done on", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    file = forms.FileField(
        label="Report", help_text="The executed protocol and report (stored, hashed, never deleted)."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=20000)
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


@requires("records.write")
def qualification(request: HttpRequest, record_id: int) -> HttpResponse:
    """Record an IQ, OQ or PQ of the equipment with its report."""
    user: User = request.user  # type: ignore[assignment]
    eq = Equipment.objects.select_related("site").filter(pk=record_id, voided=False).first()
    if eq is None or not can_see(user, eq):
        raise Http404("there is no such equipment")
    form = QualificationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data, upload = form.cleaned_data, form.cleaned_data["file"]
            try:
                record_qualification_stage(
                    actor=user,
                    equipment=eq,
                    stage=data["stage"],
                    done_on=data["done_on"],
                    report=upload,
                    report_name=upload.name or f"{data['stage']}-report",
                    note=data["note"],
                    reason=data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc, aliases={"report": "file"})
                status = status_of(exc)
            else:
                return redirect(reverse("manufacturing:equipment_page", args=[eq.pk]) + "#logbook")
        else:
            status = 400
    return render(request, "manufacturing/qualification.html", {"eq": eq, "form": form}, status=status)
