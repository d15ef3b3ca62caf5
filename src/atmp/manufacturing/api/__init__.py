"""Manufacturing's REST operations: one router per area, gathered under /api/v1/manufacturing/."""

from ninja import Router

router = Router(tags=["manufacturing"])


def _gather() -> None:
    from atmp.manufacturing.api import batches, equipment, mbr, products, rooms

    router.add_router("", products.router)
    router.add_router("", equipment.router)
    router.add_router("", mbr.router)
    router.add_router("", rooms.router)
    router.add_router("", batches.router)


_gather()
