"""The quality system's REST operations: one router per area, gathered under /api/v1/quality/."""

from ninja import Router

router = Router(tags=["quality"])


def _gather() -> None:
    # One line per area: its router (paths start with /quality/).
    from atmp.quality.api import capa, changes, complaints, deviations, documents, inspections, reviews, risk, suppliers

    router.add_router("", deviations.router)
    router.add_router("", capa.router)
    router.add_router("", risk.router)
    router.add_router("", changes.router)
    router.add_router("", suppliers.router)
    router.add_router("", complaints.router)  # complaints and recalls
    router.add_router("", inspections.router)
    router.add_router("", documents.router)
    router.add_router("", reviews.router)


_gather()
