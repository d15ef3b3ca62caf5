"""The QC laboratory's pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show the laboratory's areas."""
    return render(request, "lab/index.html", {})
