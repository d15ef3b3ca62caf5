"""The QC laboratory's REST operations, under /api/v1/lab/."""

from ninja import Router

router = Router(tags=["lab"])
