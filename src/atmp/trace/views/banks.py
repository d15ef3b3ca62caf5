"""The list of cell banks and seed stocks; each bank's page is its record page with the Cell bank panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from atmp.accounts.access import requires
from atmp.trace.selectors.banks import BANKS
from atmp.web.lists import list_page


@requires("records.view")
def bank_list(request: HttpRequest) -> Any:
    """Show the list of cell banks and seed stocks."""
    return list_page(request, BANKS, template="trace/banks.html", context={"empty_text": "No cell banks you may see."})
