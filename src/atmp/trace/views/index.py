"""Traceability's front page: its areas."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires

# (label, url name, what it holds): one entry per area.
AREAS: list[tuple[str, str, str]] = [
    (
        "Identifiers",
        "trace:identifiers",
        "Check an ISBT 128 DIN's check character, a Single European Code, a GS1 key; read a scanned "
        "ISBT 128 or GS1 code.",
    ),
]


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show traceability's areas."""
    return render(request, "trace/index.html", {"areas": AREAS})
