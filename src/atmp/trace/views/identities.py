"""The pages of donors' and patients' personal data: register, find, reveal. Thin over the services.

Every answer that holds personal data, or what was searched for, is sent `Cache-Control: no-store`
so that no browser or proxy cache keeps it, and the posted personal data is marked sensitive so
that no error report includes it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.debug import sensitive_post_parameters

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see, visible_sites
from atmp.ledger.errors import LedgerError
from atmp.trace import sealed
from atmp.trace.forms import FindForm, RegisterForm, RevealForm
from atmp.trace.models import Identity
from atmp.trace.services import identities as svc
from atmp.web.pages import page
from atmp.web.views_records import render_record

NO_STORE = "no-store, private"
SENSITIVE = ("name", "birth_date", "hospital_number")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def _identity(request: HttpRequest, identity_id: int) -> Identity:
    found = Identity._base_manager.select_related("person", "person__site").filter(pk=identity_id).first()
    if found is None or not can_see(request.user, found):  # type: ignore[arg-type]
        raise Http404(f"no identity {identity_id}")
    return found


@requires("identity.view")
def reveal(request: HttpRequest, identity_id: int) -> HttpResponse:
    """Show a person's personal data once, for the purpose given; the read is recorded in the ledger."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user: User = request.user  # type: ignore[assignment]
    identity = _identity(request, identity_id)
    form = RevealForm(request.POST)
    purpose = form.data.get("purpose", "")
    try:
        if not form.is_valid():
            raise InvalidInput("purpose", "say why you need the personal data (at most 500 characters)")
        shown = svc.reveal(actor=user, person=identity.person, purpose=form.cleaned_data["purpose"])
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from None
    except (LedgerError, sealed.SealError) as exc:
        refused = {"form": "reveal", "values": {"purpose": purpose}, "error": str(exc), "field": "purpose"}
        return _no_store(render_record(request, identity, status=400, refused=refused))
    context = {"identity": identity, "shown": shown, "purpose": form.cleaned_data["purpose"]}
    return _no_store(render(request, "trace/revealed.html", context))


@sensitive_post_parameters(*SENSITIVE)
@requires("identity.view")
def find_person(request: HttpRequest) -> HttpResponse:
    """Find persons by hospital number, or by name and birth date; the search is recorded with what it found."""
    user: User = request.user  # type: ignore[assignment]
    context: dict[str, Any] = {"form": FindForm(), "found": None}
    may_register = user.can("identity.manage")
    if request.method == "POST":
        form = FindForm(request.POST)
        if form.is_valid():
            try:
                found = svc.find(actor=user, **form.cleaned_data)
            except (InvalidInput, sealed.SealError) as exc:
                form.add_error(
                    getattr(exc, "field", None) if getattr(exc, "field", None) in form.fields else None, str(exc)
                )
            else:
                # A fresh form: what was searched for is not written back into the page.
                context = {"form": FindForm(), "found": found}
        if form.errors:
            context["form"] = form
    status = 400 if context["form"].errors else 200
    return _no_store(
        render(request, "trace/find_person.html", {**context, "may_register": may_register}, status=status)
    )


@sensitive_post_parameters(*SENSITIVE)
@requires("identity.manage")
def register_person(request: HttpRequest) -> HttpResponse:
    """Register a donor or patient under a new COI with their personal data sealed."""
    user: User = request.user  # type: ignore[assignment]
    sites = [(s.code, f"{s.code} {s.name}") for s in visible_sites(user) if not s.voided]
    form = RegisterForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        from atmp.quality.api.common import site as site_by_code

        try:
            person = svc.register_person_with_identity(actor=user, site=site_by_code(values.pop("site")), **values)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from None
        except (LedgerError, sealed.SealError) as exc:
            field = getattr(exc, "field", None)
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            messages.success(request, f"{person.coi} is registered; the personal data is sealed.")
            return redirect("web:record", record_type=person.record_type(), record_id=person.pk)
    status = 400 if form.errors else 200
    return _no_store(render(request, "trace/register_person.html", {"form": form}, status=status))


urlpatterns = [
    path("persons/new/", page(register_person), name="register_person"),
    path("persons/find/", page(find_person), name="find_person"),
    path("identities/<int:identity_id>/reveal/", page(reveal), name="reveal"),
]
