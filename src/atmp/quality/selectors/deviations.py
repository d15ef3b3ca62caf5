"""Reading deviations from the records they concern."""

from __future__ import annotations

from typing import Any

from atmp.quality.models.deviations import Deviation
from atmp.workflow.models import Link


def linked_deviations(record: Any) -> list[Deviation]:
    """Return the deviations linked from a record of any module (those its service opened on it), oldest first."""
    ids = Link.objects.filter(
        voided=False,
        source_type=Deviation.record_type(),
        target_type=record.record_type(),
        target_id=str(record.pk),
    ).values_list("source_id", flat=True)
    return list(Deviation.objects.filter(pk__in=[int(i) for i in ids]).order_by("pk"))
