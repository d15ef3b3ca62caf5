"""The batch pages: the batches of your sites, and a batch's record with its steps, every entry (superseded
ones struck through, never hidden) and QA's review by exception. Execution is through the API and the CLI
for now; the operator's tablet forms come next."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.manufacturing.models import Batch
from atmp.manufacturing.selectors.batch_documents import batch_document, exception_document
from atmp.manufacturing.selectors.batches import exceptions

LIMIT = 200


@requires("records.view")
def batch_list(request: HttpRequest) -> HttpResponse:
    """List the latest batches of your sites with their state."""
    user: User = request.user  # type: ignore[assignment]
    rows = Batch.objects.filter(voided=False).select_related("product", "site", "patient").order_by("-pk")
    ids = user.site_ids()
    if ids is not None:
        rows = rows.filter(site_id__in=ids)
    return render(request, "manufacturing/batches.html", {"rows": list(rows[:LIMIT])})


@requires("records.view")
def batch_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a batch's record: steps, entries with their flags, and the exceptions QA reviews."""
    found = Batch.objects.select_related("product", "site", "patient", "output_lot").filter(pk=record_id).first()
    if found is None or found.voided or not can_see(request.user, found):  # type: ignore[arg-type]
        raise Http404("there is no such batch")
    context = {
        "batch": found,
        "doc": batch_document(found, entries=True),
        "exceptions": [exception_document(x) for x in exceptions(found)],
    }
    return render(request, "manufacturing/batch.html", context)
