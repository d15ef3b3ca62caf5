"""A site's label set-up: the label sizes it prints on, the default one, and whether it labels per ISBT 128."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.ledger.records import GmpRecord

__all__ = ["LabelSetup"]


class LabelSetup(GmpRecord):
    """How a site prints lot labels (docs/traceability.md, Labels and scanning); one per site.

    `sizes` are names such as "50x25mm" or "4x6in" (atmp.trace.labels.sizes reads them); a site
    without a set-up prints on the standard sizes (labels.sizes.STANDARD). `isbt128`: the site is an
    ICCBBA-registered facility that labels its products per ISBT 128 (a lot with a DIN of its own,
    or made from exactly one donation with a DIN, gets ISBT 128 symbols instead of GS1's).
    """

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="+")
    sizes = models.JSONField(default=list)
    default_size = models.CharField(max_length=20)
    isbt128 = models.BooleanField(default=False)

    site_id: int
    write_permission: ClassVar[str] = "records.write"

    class Meta:
        ordering = ["site"]

    def __str__(self) -> str:
        return f"labels of site {self.site_id}: {', '.join(self.sizes)}"
