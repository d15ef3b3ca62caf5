"""The shell: the home dashboard and the static files (waitress serves the WSGI app directly)."""

from __future__ import annotations

import os
import posixpath
from typing import Any

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.static import serve

from atmp.accounts.access import public, requires
from atmp.accounts.services import visible_sites
from atmp.accounts.visibility import entry_scope
from atmp.ledger import checkpoints, clock, selectors, trail, tree
from atmp.ledger.models import AuditTrailReview, Signature
from atmp.web import display

RECENT = 12


@requires("records.view")
def home(request: HttpRequest) -> HttpResponse:
    """Show the ledger's size and latest checkpoint, the user's sites and the newest entries."""
    user = request.user
    checkpoint = checkpoints.latest()
    context: dict[str, Any] = {
        "size": tree.size(),
        "checkpoint": checkpoint,
        # base64, as in the signed note and the proofs, so the two can be compared by eye
        "checkpoint_root": selectors.checkpoint_document(checkpoint)["root"] if checkpoint else "",
        "sites": visible_sites(user),  # type: ignore[arg-type]
        "recent": [],
        "awaiting": awaiting_signature(user),
        "now": clock.now(),
    }
    if user.can("audit.view"):  # type: ignore[union-attr]
        # Sign-ins are not GMP changes: the newest changes show, as on the audit trail's first page.
        gmp = trail.TrailFilter(action=trail.WITHOUT_SIGN_INS)
        page = trail.trail(gmp, limit=RECENT, scope=entry_scope(user))  # type: ignore[arg-type]
        context["recent"] = display.entry_rows(page.entries)
    return render(request, "web/home.html", context)


def awaiting_signature(user: Any) -> list[Any]:
    """Return the audit-trail reviews the user started and has not signed yet (a cheap query)."""
    if not user.can("audit.review"):
        return []
    signed = set(
        Signature.objects.filter(
            record_type=AuditTrailReview.record_type(), signer_id=user.pk, meaning="audit_trail_reviewed"
        ).values_list("record_id", flat=True)
    )
    reviews = AuditTrailReview.objects.filter(created_by=user, voided=False).order_by("-pk")[:50]
    return [r for r in reviews if str(r.pk) not in signed][:10]


@public
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer a request refused before routing (a bad Host header): JSON for the API, a page otherwise."""
    detail = "bad request: the request's headers are malformed (check the Host header)"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=400)
    return render(request, "web/400.html", {"message": detail}, status=400)


@public
def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer a refusal raised outside the pages' own handling: JSON for the API, a page otherwise."""
    detail = str(exception or "") or "your roles do not allow this"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=403)
    return render(request, "web/403.html", {"message": detail}, status=403)


@public
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Answer an unknown URL or record: JSON for the API, a page with the navigation otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"not found: no such URL {request.path}"}, status=404)
    return render(request, "web/404.html", {"path": request.path}, status=404)


@public
def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an unexpected fault without telling anything of it (the log has the traceback)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "internal error: the server could not answer; it has been logged"}, status=500)
    try:
        return render(request, "web/500.html", status=500)
    except Exception:  # the page's context may be what failed (the database): answer plainly
        body = render_to_string("web/500_bare.html")
        return HttpResponse(body, status=500)


@public
def static(request: HttpRequest, path: str) -> HttpResponseBase:
    """Serve a file from the apps' static folders (the CSS and JS ship in the package, no CDN)."""
    normalized = posixpath.normpath(path).lstrip("/")
    if normalized.startswith("..") or not normalized:
        raise Http404("no such file")
    found = finders.find(normalized)
    if not found or isinstance(found, list):
        raise Http404("no such file")
    response = serve(request, os.path.basename(found), document_root=os.path.dirname(found))
    response["Cache-Control"] = "public, max-age=3600"
    return response
