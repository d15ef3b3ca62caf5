"""A product's clinical phase: the lab's record of it, moved only when a specification for the new
phase is approved (a batch of the new phase must have something to be tested against)."""

from __future__ import annotations

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.lab.models import Phase, ProductPhase
from atmp.lab.services.methods import checked_phase
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.manufacturing.models import Product
from atmp.quality.services import edits
from atmp.workflow import engine


def record_of(product: Product) -> ProductPhase | None:
    """Return the product's phase record, or None before its first move."""
    return ProductPhase.objects.filter(product=product, voided=False).first()


def current(product: Product) -> str | None:
    """Return the product's current clinical phase, or None."""
    found = record_of(product)
    return found.phase if found else None


def move(*, actor: User, product: Product, phase: str, reason: str) -> ProductPhase:
    """Move a product into a clinical phase; refused unless an approved specification exists for it there."""
    from atmp.lab.services.specifications import in_force

    edits.check_writer(actor, ProductPhase)
    phase = checked_phase(phase)
    reason = edits.text(reason, "reason", required=True)
    row = record_of(product)
    if row is not None and row.phase == phase:
        raise Conflict(f"{product.code} is in {Phase(phase).label} already")
    if in_force(product, phase) is None:
        raise Conflict(
            f"no specification: {product.code} has no approved specification for {Phase(phase).label}; "
            "approve one before the product moves (its batches are tested against it)"
        )
    row = row or ProductPhase(product=product)
    with writer.change(actor=actor, reason=reason) as ch:
        row.phase = phase
        row.since = engine.today()
        ch.save(row)
    return row


def find_phase_product(code: str) -> Product:
    """Return the live product of the code, or refuse naming the field."""
    found = Product.objects.filter(code=str(code).strip(), voided=False).first()
    if found is None:
        raise InvalidInput("product", f"there is no product {code!r}")
    return found
