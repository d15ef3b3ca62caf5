"""Traceability's front page: its areas."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires

# (label, url name, what it holds): one entry per area.
AREAS: list[tuple[str, str, str]] = [
    (
        "Trace the genealogy",
        "trace:genealogy",
        "Forward or backward from a lot, donor or patient (typed or scanned): every lot at every level, "
        "drawn as a graph, and the patients or donors at the far end.",
    ),
    (
        "Cell banks and seed stocks",
        "trace:banks",
        "Master and working cell banks and virus seeds (ICH Q5D): vials left, the limit of in-vitro cell age "
        "for production, the required test panel and the lineage from MCB to batches.",
    ),
    (
        "Identifiers",
        "trace:identifiers",
        "Check an ISBT 128 DIN's check character, a Single European Code, a GS1 key; read a scanned "
        "ISBT 128 or GS1 code.",
    ),
    (
        "Labels and scanning",
        "trace:labels",
        "Print a lot's label (PDF or PNG, in the site's sizes) with its COI and GS1 DataMatrix or ISBT 128 "
        "symbols; read a scan back to its lot and patient.",
    ),
    (
        "Shipments and chain of custody",
        "trace:shipments",
        "Each shipment's hand-overs from collection to the treatment centre, both sides scanned; blocked "
        "scans and the deviations they opened; the shipper's temperature logs against their range.",
    ),
    (
        "Bedside administration",
        "trace:bedside",
        "Scan the patient's wristband and the product's label: the product is given only to the patient "
        "it is made for.",
    ),
    (
        "Recall impact",
        "trace:recall",
        "What recalling a lot, donor or patient reaches: every lot and where its units are, the patients "
        "(by COI) and consignees to reach; open the recall, which recalls every lot.",
    ),
]


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show traceability's areas."""
    return render(request, "trace/index.html", {"areas": AREAS})
