"""The QC laboratory's REST operations, under /api/v1/lab/ (one router per area)."""

from ninja import Router

router = Router(tags=["lab"])


def _gather() -> None:
    from atmp.lab.api import core, disposition, potency, results, stability, viral

    router.add_router("", core.router)
    router.add_router("", viral.router)
    router.add_router("", results.router)
    router.add_router("", potency.router)
    router.add_router("", stability.router)
    router.add_router("", disposition.router)


_gather()
