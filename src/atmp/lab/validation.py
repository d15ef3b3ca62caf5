"""The page that sets a method's validation status for a phase with its report: a file upload, so a
Django form calling the service itself (as manufacturing's qualification page does; the API operation
takes the same multipart body)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import NotAllowed
from atmp.accounts.models import User
from atmp.api.errors import status_of
from atmp.lab.models import Method, Phase, ValidationStatus
from atmp.lab.services.methods import set_validation
from atmp.ledger.errors import LedgerError
from atmp.web.pages import add_service_error


class ValidationForm(forms.Form):
    """A phase, the status reached, its date and its report."""

    phase = forms.ChoiceField(choices=[("", "— choose —"), *Phase.choices])
    status = forms.ChoiceField(choices=[("", "— choose —"), *ValidationStatus.choices])
    done_on = forms.DateField(
        label="Report dated", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    file = forms.FileField(
        label="Report",
        required=False,
        help_text="The qualification or validation report (needed unless not validated; stored and hashed).",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


@requires("records.write")
def validation_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Set a method's validation status for a phase with its report."""
    user: User = request.user  # type: ignore[assignment]
    method = Method.objects.filter(pk=record_id, voided=False).first()
    if method is None:
        raise Http404("there is no such method")
    form = ValidationForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data, upload = form.cleaned_data, form.cleaned_data["file"]
            try:
                set_validation(
                    actor=user,
                    method=method,
                    phase=data["phase"],
                    status=data["status"],
                    report=upload,
                    report_name=(upload.name if upload else "") or "",
                    done_on=data["done_on"],
                    note=data["note"],
                    reason=data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc, aliases={"report": "file"})
                status = status_of(exc)
            else:
                return redirect(reverse("lab:method_page", args=[method.pk]))
        else:
            status = 400
    return render(request, "lab/validation.html", {"method": method, "form": form}, status=status)
