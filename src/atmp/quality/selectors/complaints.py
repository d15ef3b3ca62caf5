"""Reads of complaints: those flagged for pharmacovigilance."""

from __future__ import annotations

from django.db.models import QuerySet

from atmp.quality.models.complaints import Complaint


def flagged_for_pv(*, site_ids: frozenset[int] | None = None, awaiting: bool = False) -> QuerySet[Complaint]:
    """Return the complaints flagged as possible adverse reactions, newest first (awaiting: no PV reference yet)."""
    rows = Complaint.objects.filter(voided=False, possible_adverse_reaction=True)
    if awaiting:
        rows = rows.filter(pv_reference="")
    if site_ids is not None:
        rows = rows.filter(site_id__in=site_ids)
    return rows.order_by("-pk")


def open_complaints(*, site_id: int | None = None) -> int:
    """Return how many complaints are neither closed nor cancelled (at the site, or everywhere)."""
    rows = Complaint.objects.filter(voided=False).exclude(status__in=("closed", "cancelled"))
    if site_id is not None:
        rows = rows.filter(site_id=site_id)
    return rows.count()
