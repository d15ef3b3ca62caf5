"""The quality system's REST operations: one router per area, gathered under /api/v1/quality/."""

from ninja import Router

router = Router(tags=["quality"])


def _gather() -> None:
    # One line per area: its router (paths start with /quality/).
    from atmp.quality.api import capa, deviations, documents

    router.add_router("", deviations.router)
    router.add_router("", capa.router)
    router.add_router("", documents.router)


_gather()
