"""The quality system's REST operations: one router per area, gathered under /api/v1/quality/."""

from ninja import Router

router = Router(tags=["quality"])


def _gather() -> None:
    # One line per area: its router, mounted under /quality/.
    from atmp.quality.api import complaints, inspections, suppliers

    router.add_router("", suppliers.router)
    router.add_router("", complaints.router)  # complaints and recalls
    router.add_router("", inspections.router)


_gather()
