"""The traceability REST operations: one router per area, gathered under /api/v1/trace/."""

from ninja import Router

router = Router(tags=["trace"])
