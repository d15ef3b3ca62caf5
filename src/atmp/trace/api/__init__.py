"""Traceability's REST operations: one router per area, gathered under /api/v1/trace/."""

from ninja import Router

router = Router(tags=["trace"])


def _gather() -> None:
    # One line per area: its router (paths start with /trace/).
    from atmp.trace.api import (
        banks,
        custody,
        genealogy,
        identifiers,
        identities,
        labels,
        lots,
        materials,
        persons,
        recall,
    )

    router.add_router("", identifiers.router)
    router.add_router("", materials.router)
    router.add_router("", lots.router)
    router.add_router("", banks.router)
    # Before persons: its POST /trace/persons/find must be matched before GET /trace/persons/{coi}.
    router.add_router("", identities.router)  # donors' and patients' personal data
    router.add_router("", persons.router)
    router.add_router("", custody.router)  # before genealogy: /trace/administrations/by-scan
    router.add_router("", genealogy.router)
    router.add_router("", labels.router)
    router.add_router("", recall.router)


_gather()
