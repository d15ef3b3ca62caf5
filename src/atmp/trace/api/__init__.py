"""The traceability REST operations: one router per area, gathered under /api/v1/trace/."""

from ninja import Router

router = Router(tags=["trace"])


def _gather() -> None:
    # One line per area: its router (paths start with /trace/).
    from atmp.trace.api import identities

    router.add_router("", identities.router)


_gather()
