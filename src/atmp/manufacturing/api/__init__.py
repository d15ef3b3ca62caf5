"""Manufacturing's REST operations: one router per area, gathered under /api/v1/manufacturing/."""

from ninja import Router

router = Router(tags=["manufacturing"])


def _gather() -> None:
    from atmp.manufacturing.api import equipment, mbr, products, rooms

    router.add_router("", products.router)
    router.add_router("", equipment.router)
    router.add_router("", mbr.router)
    router.add_router("", rooms.router)


_gather()
