"""Factories of laboratory records for tests, benchmarks and the demo (each through its service)."""

from __future__ import annotations

import io
import itertools
from typing import Any

from atmp.accounts.models import User
from atmp.testing import PASSWORD

_n = itertools.count(1)


def make_method(*, actor: User, **fields: Any) -> Any:
    """Add a quantity method (vector genome titre by ddPCR unless told otherwise)."""
    from atmp.lab.services.methods import add_method

    n = next(_n)
    fields.setdefault("code", f"QC-{n:04d}")
    fields.setdefault("title", f"Vector genome titre by ddPCR {n}")
    fields.setdefault("method_type", "quantity")
    return add_method(actor=actor, **fields)


def make_methodvalidation(
    *, actor: User, method: Any = None, phase: str = "i", status: str = "qualified", **fields: Any
) -> Any:
    """Set a method's (new unless given) validation status for a phase, with a small report."""
    from atmp.lab.services.methods import set_validation

    method = method or make_method(actor=actor)
    report = None if status == "not_validated" else io.BytesIO(f"{status} report of {method.code}\n".encode())
    return set_validation(
        actor=actor,
        method=method,
        phase=phase,
        status=status,
        report=report,
        report_name=f"{method.code}-{phase}-{status}.txt",
        **fields,
    )


def make_fit_method(*, actor: User, phases: tuple[str, ...] = ("i", "ii", "iii", "commercial"), **fields: Any) -> Any:
    """Add a method validated for every phase given (fit for release testing in each)."""
    method = make_method(actor=actor, **fields)
    for phase in phases:
        make_methodvalidation(actor=actor, method=method, phase=phase, status="validated")
    return method


def make_specification(*, actor: User, product: Any = None, phase: str = "i", **fields: Any) -> Any:
    """Draft the next specification of a product (new unless given) for a phase, without attributes."""
    from atmp.lab.services.specifications import new_specification
    from atmp.manufacturing.factories import make_product

    return new_specification(actor=actor, product=product or make_product(actor=actor), phase=phase, **fields)


def make_specificationattribute(*, actor: User, specification: Any = None, **fields: Any) -> Any:
    """Add a numeric attribute (titre, >=1.0E12 {vg}/mL) measured by a fit method to a draft specification."""
    from atmp.lab.services.specifications import add_attribute

    fields.setdefault("name", "Vector genome titre")
    fields.setdefault("kind", "numeric")
    fields.setdefault("criterion", ">=1.0E12")
    fields.setdefault("unit", "{vg}/mL")
    if "method" not in fields:
        fields["method"] = make_fit_method(actor=actor)
    return add_attribute(actor=actor, specification=specification or make_specification(actor=actor), **fields)


def make_specification_ready_for_approval(*, actor: User, product: Any = None, phase: str = "i") -> Any:
    """Draft a specification with one attribute whose method is fit for the phase: QA may approve it."""
    spec = make_specification(actor=actor, product=product, phase=phase)
    make_specificationattribute(actor=actor, specification=spec)
    spec.refresh_from_db()
    return spec


def approver() -> User:
    """Return a new QA Approver who authored nothing (so may sign 'approved'), with the test password."""
    from atmp.testing import make_user

    return make_user("qa_approver", password=PASSWORD)


def make_approved_specification(*, actor: User, product: Any = None, phase: str = "i") -> Any:
    """Return a specification approved by a QA Approver who did not write it."""
    from atmp.lab.services.specifications import approve

    spec = make_specification_ready_for_approval(actor=actor, product=product, phase=phase)
    return approve(actor=approver(), specification=spec, password=PASSWORD, reason="approved for release testing")


def make_productphase(*, actor: User, product: Any = None, phase: str = "i") -> Any:
    """Put a product (new unless given) in a phase, approving a specification for it first."""
    from atmp.lab.services.phases import move
    from atmp.manufacturing.factories import make_product

    product = product or make_product(actor=actor)
    make_approved_specification(actor=actor, product=product, phase=phase)
    return move(actor=approver(), product=product, phase=phase, reason="first patient dosed under this protocol")


def make_batchspecification(*, actor: User, batch: Any = None) -> Any:
    """Pin a batch (new unless given) to its product's specification in force (the product put in phase I)."""
    from atmp.lab.models import BatchSpecification
    from atmp.lab.services.specifications import for_batch
    from atmp.manufacturing.factories import make_batch

    batch = batch or make_batch(actor=actor)
    make_productphase(actor=actor, product=batch.product)
    for_batch(batch, actor=actor)
    return BatchSpecification.objects.get(batch=batch)
