"""Reads about process versions: the change controls that introduced one."""

from __future__ import annotations

from typing import Any

from atmp.quality.models.changes import ChangeControl
from atmp.workflow.models import Link


def introducing_changes(version: Any) -> list[ChangeControl]:
    """Return the live change controls the version is linked to as 'originates from', oldest first."""
    ids = Link.objects.filter(
        voided=False,
        source_type=version.record_type(),
        source_id=str(version.pk),
        relation="originates_from",
        target_type=ChangeControl.record_type(),
    ).values_list("target_id", flat=True)
    return list(ChangeControl.objects.filter(pk__in=[int(i) for i in ids], voided=False).order_by("pk"))
