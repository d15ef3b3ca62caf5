"""Finding a lot, a material or a person by the name people use for it: a lot number, a code, a COI."""

from __future__ import annotations

from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger.errors import NotFound
from atmp.trace.models import Lot, Material, Person


def lot_named(number: str, viewer: User | None = None) -> Lot:
    """Return the live lot of the number the viewer may see, or refuse as not found, naming it."""
    found = Lot.objects.select_related("material", "site").filter(number=number.strip(), voided=False).first()
    if found is None or (viewer is not None and not can_see(viewer, found)):
        raise NotFound(f"there is no lot {number!r}")
    return found


def material_named(code: str) -> Material:
    """Return the live material of the code, or refuse as not found, naming it."""
    found = Material.objects.filter(code=code.strip(), voided=False).first()
    if found is None:
        raise NotFound(f"there is no material {code!r}")
    return found


def person_named(coi: str, viewer: User | None = None) -> Person:
    """Return the live person of the COI the viewer may see, or refuse as not found, naming it."""
    found = Person.objects.select_related("site").filter(coi=coi.strip(), voided=False).first()
    if found is None or (viewer is not None and not can_see(viewer, found)):
        raise NotFound(f"there is no person {coi!r}")
    return found


def root_named(name: str, viewer: User | None = None) -> Lot | Person:
    """Return the lot of that number or else the person of that COI (a trace's root), or refuse naming it.

    A lot number is never a person's COI (services.lots refuses one, services.persons skips one).
    """
    try:
        return lot_named(name, viewer)
    except NotFound:
        pass
    try:
        return person_named(name, viewer)
    except NotFound:
        raise NotFound(f"there is no lot or person {name!r}") from None
