"""The material catalogue: add a material (its code, type, storage and the unit its lots are counted in)."""

from __future__ import annotations

from atmp.accounts.models import User
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.quality.services import edits
from atmp.trace.models import Material, MaterialType
from atmp.trace.services import checks


def add_material(
    *, actor: User, code: str, name: str, type: str, unit: str, storage: str = "", reason: str = ""
) -> Material:
    """Add a material to the catalogue (every site's); its code is what suppliers are qualified for."""
    edits.check_writer(actor, Material)
    material = Material(
        code=checks.code(code, "code", limit=40),
        name=edits.text(name, "name", required=True, limit=200),
        type=edits.choice(type, "type", MaterialType.values),
        storage=edits.text(storage, "storage", limit=200),
        unit=checks.unit(unit),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # two clerks adding the same code at once: the second is refused by name, not by the index
        if Material.objects.filter(code=material.code).exists():
            raise Conflict(f"code: material {material.code} is already in the catalogue")
        ch.save(material)
    return material


def find_material(code: str, *, field: str = "material") -> Material:
    """Return the live material of the code, or refuse naming the field."""
    from atmp.accounts.errors import InvalidInput

    found = Material.objects.filter(code=str(code).strip(), voided=False).first()
    if found is None:
        raise InvalidInput(field, f"there is no material {code!r} in the catalogue")
    return found
