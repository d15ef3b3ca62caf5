"""The QC laboratory's REST operations, under /api/v1/lab/."""

from ninja import Router

router = Router(tags=["lab"])


def _gather() -> None:
    from atmp.lab.api import viral

    router.add_router("", viral.router)


_gather()
