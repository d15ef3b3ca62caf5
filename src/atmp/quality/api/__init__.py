"""The quality system's REST operations: one router per area, gathered under /api/v1/quality/."""

from ninja import Router

router = Router(tags=["quality"])


def _gather() -> None:
    # One line per area: its router, mounted under /quality/.
    from atmp.quality.api import changes, risk

    router.add_router("", risk.router)
    router.add_router("", changes.router)


_gather()
