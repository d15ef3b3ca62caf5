"""The quality system's REST operations: one router per area, gathered under /api/v1/quality/."""

from ninja import Router

router = Router(tags=["quality"])


def _gather() -> None:
    # One line per area: its router, mounted under /quality/.
    pass


_gather()
