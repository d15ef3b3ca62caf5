"""The monthly summary as a PDF/A (atmp.printing): its tables and each room's heat map (SVG), with
the summary's JSON embedded as the data it was printed from. Printing is a read: no ledger entry."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.template.loader import render_to_string

from atmp.accounts.models import Site
from atmp.environment.models import Room
from atmp.environment.selectors import trends as sel

PRINT_FONT = "atmp sans"  # printing/fonts, embedded by WeasyPrint (PDF/A needs every font embedded)


def summary_context(site: Site, month: str, *, room: Room | None = None, font: str = "sans-serif") -> dict[str, Any]:
    """Return what the summary page and its print show: the counts and each room's heat map (12 months)."""
    from atmp.environment.api.trends import heat_svg
    from atmp.environment.selectors.documents import rooms_of

    summary = sel.monthly_summary(site, month, room=room)
    rooms = [room] if room is not None else [r for r in rooms_of(None) if r.site_id == site.pk]
    maps = [(r, heat_svg(sel.heat_map(r, month=summary["month"]), font=font)) for r in rooms]
    return {"summary": summary, "site": site, "room": room, "maps": maps}


def summary_pdf(site: Site, month: str, *, room: Room | None = None, printed_by: str = "atmp") -> bytes:
    """Return the month's summary as PDF/A-3b, its JSON embedded."""
    from atmp.printing.pdf import render_pdf

    context = summary_context(site, month, room=room, font=PRINT_FONT)
    printed_at = dt.datetime.now(dt.UTC)
    html = render_to_string(
        "environment/summary_print.html",
        context | {"printed_at": printed_at.strftime("%Y-%m-%d %H:%M UTC"), "printed_by": printed_by},
    )
    data = json.dumps(context["summary"], ensure_ascii=False, indent=2).encode()
    name = f"em-summary-{site.code}-{context['summary']['month']}.json"
    return render_pdf(
        html,
        attachments=[(name, data, "application/json", "The monthly summary this PDF was printed from")],
        title=f"EM summary {site.code} {context['summary']['month']}",
        created=printed_at,
    )
