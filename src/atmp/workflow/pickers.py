"""The records a form offers to pick where it asks for a record key ("quality.capa:7").

A field that names a record (a finding's CAPA, a link's target) is typed as a key; a page offers
the records it most likely means as suggestions (an HTML datalist: no script, nothing fetched), and
a typed key is still accepted: the operation decides, as it does for any key. The suggestions are
the open ones (not voided, not in a final state) of one type that the viewer may see, of the sites
the page's record concerns when it concerns some, newest first.
"""

from __future__ import annotations

from typing import Any

from atmp.accounts.models import User
from atmp.accounts.visibility import site_path, visible_records
from atmp.ledger.records import model_for
from atmp.workflow.models import WorkflowRecord

LIMIT = 100  # suggestions, newest first: more would be typed into, not scrolled


def open_records(viewer: User, record_type: str, *, near: Any = None, limit: int = LIMIT) -> list[tuple[str, str]]:
    """Return (key, label) of the open records of a type to offer the viewer, of `near`'s sites if it has any."""
    model = model_for(record_type)
    if model is None:
        return []
    rows = visible_records(viewer, model._default_manager.filter(voided=False))
    if issubclass(model, WorkflowRecord):
        rows = rows.exclude(status__in=[s.name for s in model.workflow.states if s.final])
    sites = near.concerned_site_ids() if near is not None else None
    path = site_path(model)
    if sites and path is not None:
        rows = rows.filter(**{f"{path}__in": sorted(sites)})
    return [(row.record_key, str(row)) for row in rows.order_by("-pk")[:limit]]
