"""The generic record page (fields, status, history, signatures) and signing, for every GmpRecord type."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from atmp.accounts import signing
from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.accounts.roles import meanings_for
from atmp.accounts.services import can_see
from atmp.ledger import signatures
from atmp.ledger.errors import LedgerError
from atmp.ledger.models import AuditTrailReview
from atmp.ledger.records import GmpRecord, model_for
from atmp.web import record_page
from atmp.web.forms import SignForm
from atmp.web.pages import resumes_at


def load_record(request: HttpRequest, record_type: str, record_id: str) -> GmpRecord:
    """Return the record, or 404 when the type is unknown, the id absent or the site not the user's."""
    model = model_for(record_type)
    if model is None or not record_id.isdecimal():
        raise Http404(f"no record type {record_type!r}")
    record = model._base_manager.filter(pk=int(record_id)).first()
    if record is None:
        raise Http404(f"no {record_type} {record_id}")
    if not can_see(request.user, record):  # type: ignore[arg-type]
        raise Http404(f"no {record_type} {record_id}")
    return record


def sign_meanings(user: User, record: GmpRecord, *, offered: bool = True) -> list[str]:
    """Return the meanings to offer (the service's allowed_meanings), or with offered=False to accept.

    The sign view accepts every meaning the user's roles allow on this record type, so that a
    refusal (a meaning given meanwhile, segregation of duties) comes with the service's own message.
    """
    if record.voided:
        return []
    if offered:
        return signing.allowed_meanings(user, record)
    by_role = meanings_for(user.roles(), record)
    return [m for m in signatures.MEANINGS if m in by_role]


def _is_review(record: GmpRecord) -> bool:
    """Return True for an audit-trail review, which is signed with its outcome and findings."""
    return isinstance(record, AuditTrailReview)


def render_record(
    request: HttpRequest,
    record: GmpRecord,
    *,
    sign_form: SignForm | None = None,
    sign_error: str = "",
    status: int = 200,
    refused: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render a record page; with a sign form or error, the signature dialog opens on load.

    `refused` re-opens a panel's form that was refused ({"form", "values", "error", "field"}), with
    what the user typed and the rule it broke, instead of losing them to a redirect.
    """
    user: User = request.user  # type: ignore[assignment]
    meanings = sign_meanings(user, record)
    if sign_form is None and meanings:
        # No meaning is chosen for the signer: they pick what they mean (Part 11 §11.50(a)(3)).
        sign_form = SignForm(
            initial={"version": record.version}, meanings=meanings, mfa=user.mfa_enabled, review=_is_review(record)
        )
    context = record_page.record_context(user, record, request=request)
    context |= {
        "sign_form": sign_form,
        "sign_error": sign_error,
        "open_dialog": sign_form is not None and (bool(sign_error) or request.GET.get("sign") == "1"),
        "refused": refused or {},
    }
    return render(request, "web/record.html", context, status=status)


@requires("records.view")
def record(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Show one record: its fields, status, history and signatures."""
    return render_record(request, load_record(request, record_type, record_id))


@requires("records.view")
def record_pdf(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Download the record as PDF/A-3b with its entries, their proofs and a signed checkpoint embedded."""
    rec = load_record(request, record_type, record_id)
    try:
        data = record_page.record_pdf(request.user, rec)  # type: ignore[arg-type]  # @requires: a signed-in User
    except LedgerError as exc:
        messages.error(request, f"The PDF could not be made: {exc}")
        return redirect("web:record", record_type=record_type, record_id=record_id)
    from atmp.printing.pdf import download

    response: HttpResponse = download(data, f"atmp-{record_type}-{rec.pk}-v{rec.version}.pdf")
    return response


def _signing_resumes(request: HttpRequest, record_type: str, record_id: str) -> str:
    """Return the record's page with the signature dialog open (where a lost signing resumes)."""
    if request.method == "POST":
        messages.warning(request, "Your session ended before the signature was recorded: sign again.")
    return reverse("web:record", args=[record_type, record_id]) + "?sign=1"


@resumes_at(_signing_resumes)
@requires("records.view")
def sign(request: HttpRequest, record_type: str, record_id: str) -> HttpResponse:
    """Sign the record's version shown on the page, after re-authentication."""
    if request.method != "POST":
        # A GET here (a bookmark, the back button) opens the dialog on the record instead of a 405.
        return redirect(_signing_resumes(request, record_type, record_id))
    user: User = request.user  # type: ignore[assignment]
    rec = load_record(request, record_type, record_id)
    meanings = sign_meanings(user, rec, offered=False)
    if not meanings:
        raise PermissionDenied("your roles do not allow you to sign this record")
    form = SignForm(request.POST, meanings=meanings, mfa=user.mfa_enabled, review=_is_review(rec))
    if not form.is_valid():
        return render_record(request, rec, sign_form=form, sign_error="check the fields below", status=400)
    # Bind the signature to the version the signer saw: the ledger refuses it if the record moved on.
    rec.version = form.cleaned_data["version"]
    try:
        signature = signing.sign(
            signer=user,
            record=rec,
            meaning=form.cleaned_data["meaning"],
            password=form.cleaned_data["password"],
            otp=form.cleaned_data.get("otp"),
            outcome=form.cleaned_data.get("outcome"),
            findings=form.cleaned_data.get("findings") or "",
        )
    except LedgerError as exc:
        # Show the refusal in the dialog, ready for the version that is current now.
        fresh = load_record(request, record_type, record_id)
        offered = sign_meanings(user, fresh)
        if not offered:
            messages.error(request, str(exc))
            return redirect("web:record", record_type=record_type, record_id=record_id)
        meaning = form.cleaned_data["meaning"]
        form = SignForm(
            initial={
                "version": fresh.version,
                "meaning": meaning if meaning in offered else "",
                "outcome": form.cleaned_data.get("outcome", ""),
                "findings": form.cleaned_data.get("findings", ""),
            },
            meanings=offered,
            mfa=user.mfa_enabled,
            review=_is_review(fresh),
        )
        return render_record(request, fresh, sign_form=form, sign_error=str(exc), status=400)
    label = signatures.MEANINGS[signature.meaning]
    messages.success(request, f"Signed version {signature.record_version} as “{label}”.")
    return redirect("web:record", record_type=record_type, record_id=record_id)
