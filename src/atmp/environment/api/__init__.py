"""Environmental monitoring's REST operations, under /api/v1/environment/."""

from ninja import Router

router = Router(tags=["environment"])


def _gather() -> None:
    from atmp.environment.api import monitoring, trends

    router.add_router("", monitoring.router)
    router.add_router("", trends.router)


_gather()
