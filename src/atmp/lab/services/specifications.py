"""Specifications by clinical phase: draft a version, add its attributes, approve it (QA, signed
'approved'), find the one in force for a product and phase, and pin the one a batch is tested against.

A bank specification (ADR 0030) is a specification of a cell line or vector seed (trace Material)
instead of a product: each of its attributes names the test of the ICH Q5D panel it tests
(atmp.trace.bank_panel), and a bank lot's sample is judged against the one approved last."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.lab import criteria
from atmp.lab import units as lab_units
from atmp.lab.models import AttributeKind, BatchSpecification, Method, Specification, SpecificationAttribute
from atmp.lab.services.methods import checked_phase, fit_for
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.manufacturing.models import Batch, Product
from atmp.quality.services import edits
from atmp.trace import bank_panel
from atmp.trace.models import Lot, Material, MaterialType
from atmp.trace.units import UnitError
from atmp.workflow import engine

BANKED = (MaterialType.CELL_LINE, MaterialType.VECTOR_SEED)


def _attributes(spec: Specification) -> list[SpecificationAttribute]:
    return list(
        SpecificationAttribute.objects.filter(specification=spec, voided=False)
        .select_related("method")
        .order_by("position")
    )


def content_hash(spec: Specification) -> str:
    """Return the SHA-256 of the specification's attributes (what the 'approved' signature binds)."""
    # A bank attribute's panel test is bound too; a product's rows hash as they always did.
    rows = [
        [a.position, a.name, a.method.code, a.kind, a.criterion, a.unit, *([a.panel_test] if a.panel_test else [])]
        for a in _attributes(spec)
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def new_specification(
    *,
    actor: User,
    product: Product | None = None,
    phase: str,
    title: str = "",
    copy_from: Specification | None = None,
    material: Material | None = None,
    reason: str = "",
) -> Specification:
    """Draft the next version (v1, v2, …) of a product's (or a bank material's) specification for a phase."""
    edits.check_writer(actor, Specification)
    phase = checked_phase(phase)
    if (product is None) == (material is None):
        raise InvalidInput("product", "a specification is of a product or of a cell line or vector seed: name one")
    subject = _subject(product, material)
    if copy_from is not None and (copy_from.product_id, copy_from.material_id) != (
        getattr(product, "pk", None),
        getattr(material, "pk", None),
    ):
        raise InvalidInput("copy_from", "a specification is copied only within its product (or bank material)")
    what = "bank specification" if material is not None else "release specification"
    spec = Specification(
        product=product,
        material=material,
        phase=phase,
        title=edits.text(title, "title", limit=200) or f"{subject} {what}",
    )
    with writer.change(actor=actor, reason=reason or f"new {subject} specification") as ch:
        ch.hold()  # the number is the next one of what is stored
        numbers = Specification._base_manager.filter(product=product, material=material, phase=phase).values_list(
            "number", flat=True
        )
        spec.number = max(numbers, default=0) + 1
        ch.save(spec)
        if copy_from is not None:
            for a in _attributes(copy_from):
                ch.save(
                    SpecificationAttribute(
                        specification=spec,
                        position=a.position,
                        name=a.name,
                        method=a.method,
                        kind=a.kind,
                        criterion=a.criterion,
                        unit=a.unit,
                        panel_test=a.panel_test,
                    )
                )
            spec.content_hash = content_hash(spec)
            ch.save(spec)
    return spec


def checked_criterion(kind: str, text: Any) -> str:
    """Return the criterion's text fit for the attribute's kind, or refuse it naming the field and rule."""
    text = edits.text(text, "criterion", required=kind != AttributeKind.REPORT, limit=200)
    if kind == AttributeKind.NUMERIC:
        try:
            parsed = criteria.parse(text)
        except criteria.CriterionError as exc:
            raise InvalidInput("criterion", exc.message) from None
        if parsed.kind != criteria.NUMERIC:
            raise InvalidInput("criterion", f"form: {text!r} is not numeric; write A-B, >=A, <=B, >A or <B")
    return text or "report"


def _subject(product: Product | None, material: Material | None) -> str:
    """Return the code of the specification's subject, refusing a voided one or a material that is not banked."""
    if product is not None:
        if product.voided:
            raise InvalidInput("product", f"{product.code} is voided")
        return str(product.code)
    assert material is not None
    if material.voided:
        raise InvalidInput("material", f"{material.code} is voided")
    if material.type not in BANKED:
        raise InvalidInput(
            "material",
            f"{material.code} is a {material.get_type_display().lower()}: a bank specification is of a cell line "
            "or a vector seed (ICH Q5D)",
        )
    return str(material.code)


def _panel_test(specification: Specification, value: Any, kind: str) -> str:
    """Return the bank panel test an attribute tests: required on a bank specification, refused elsewhere."""
    code = str(value or "").strip().lower()
    if specification.material_id is None:
        if code:
            raise InvalidInput("panel_test", "a release specification's attribute tests no bank panel test")
        return ""
    known = bank_panel.ALL_TESTS
    if code not in known:
        raise InvalidInput(
            "panel_test", f"{value!r} is not a test of the bank panel; one of {', '.join(sorted(known))}"
        )
    if kind == AttributeKind.REPORT:
        raise InvalidInput("kind", "a bank panel test conforms or not: judge it by a criterion, not as reported")
    if any(a.panel_test == code for a in _attributes(specification)):
        raise InvalidInput("panel_test", f"{known[code].name} is tested by an attribute of this specification already")
    return code


def add_attribute(
    *,
    actor: User,
    specification: Specification,
    name: str,
    method: Method,
    kind: str,
    criterion: str,
    unit: str = "",
    position: int | None = None,
    panel_test: str = "",
    reason: str = "",
) -> SpecificationAttribute:
    """Add an attribute to a draft specification; a numeric criterion is parsed now (atmp.lab.criteria)."""
    edits.check_may_edit(actor, specification, version=None, states=("draft",))
    kind = edits.choice(str(kind).lower(), "kind", AttributeKind.values)
    text = checked_criterion(kind, criterion)
    test = _panel_test(specification, panel_test, kind)
    try:
        code = lab_units.check(str(unit or "").strip())
    except UnitError as exc:
        raise InvalidInput("unit", exc.message) from None
    if method.voided:
        raise InvalidInput("method", f"{method.code} is voided")
    taken = {a.position for a in _attributes(specification)}
    if position is None:
        position = max(taken, default=0) + 1
    elif position in taken:
        raise InvalidInput("position", f"position {position} is taken")
    attribute = SpecificationAttribute(
        specification=specification,
        position=position,
        name=edits.text(name, "name", required=True, limit=200),
        method=method,
        kind=kind,
        criterion=text,
        unit=code,
        panel_test=test,
    )
    with writer.change(actor=actor, reason=reason or f"add {attribute.name} to {specification}") as ch:
        ch.save(attribute)
        # The header changes with its content: the attribute's author is an author of the specification.
        specification.content_hash = content_hash(specification)
        ch.save(specification)
    return attribute


def approval_refusal(spec: Specification) -> str | None:
    """Return why the specification may not be approved (the rule first), or None when it may."""
    rows = _attributes(spec)
    if not rows:
        return f"no attributes: {spec.record_key} tests nothing; add at least one attribute"
    if spec.product_id is None and spec.material_id is None:
        return f"no subject: {spec.record_key} is of no product and no bank material"
    if content_hash(spec) != spec.content_hash:
        return f"content changed: the attributes of {spec.record_key} no longer match its hash"
    for a in rows:
        broken = fit_for(a.method, spec.phase)
        if broken:
            return f"attribute {a.position} {a.name!r}: {broken}"
    return None


def approve(
    *, actor: User, specification: Specification, password: str, reason: str, otp: str | None = None
) -> Specification:
    """Approve the specification (QA, signed 'approved'); the version approved before it is superseded."""
    engine.transition(actor, specification, "approve", reason=reason, password=password, otp=otp)
    return specification


def in_force(product: Product, phase: str, at: dt.datetime | None = None) -> Specification | None:
    """Return the approved specification for the product and phase (now, or at a past moment), or None."""
    phase = checked_phase(phase)
    found = Specification.objects.filter(product=product, phase=phase, voided=False)
    if at is None:
        return found.filter(status="approved").order_by("-number").first()
    candidates = found.filter(status__in=("approved", "superseded"), approved_at__lte=at).order_by("-number")
    for spec in candidates:
        if spec.finished_at is None or spec.finished_at > at:
            return spec
    return None


def for_bank(lot: Lot) -> Specification:
    """Return the bank specification a bank lot's sample is judged against: its material's, approved last."""
    spec = (
        Specification.objects.filter(material_id=lot.material_id, status="approved", voided=False)
        .order_by("-approved_at", "-pk")
        .first()
    )
    if spec is None:
        raise Conflict(
            f"no specification: {lot.material.code} has no approved bank specification "
            "(its attributes the tests of the ICH Q5D panel)"
        )
    return spec


def for_batch(batch: Batch, *, actor: User | None = None, reason: str = "") -> Specification:
    """Return the specification the batch is tested against: pinned on first asking, unchanged afterwards."""
    from atmp.lab.services.phases import current

    pinned = BatchSpecification.objects.filter(batch=batch, voided=False).select_related("specification").first()
    if pinned is not None:
        return pinned.specification
    phase = current(batch.product)
    if phase is None:
        raise InvalidInput("phase", f"{batch.product.code} has no clinical phase: move it to one first")
    spec = in_force(batch.product, phase)
    if spec is None:
        raise Conflict(
            f"no specification: {batch.product.code} has no approved specification for {spec_phase_label(phase)}"
        )
    with writer.change(actor=actor, reason=reason or f"batch {batch.number} is tested against {spec}") as ch:
        ch.hold()  # two first askings at once: the second waits, then finds the first one's pin
        pinned = BatchSpecification.objects.filter(batch=batch, voided=False).select_related("specification").first()
        if pinned is not None:
            return pinned.specification
        ch.save(BatchSpecification(batch=batch, specification=spec, phase=phase))
    return spec


def spec_phase_label(phase: str) -> str:
    """Return the phase's label ('Phase III')."""
    from atmp.lab.models import Phase

    return Phase(phase).label


def find_specification(value: Any, *, field: str = "specification") -> Specification:
    """Return the live specification of the id, or refuse naming the field."""
    text = str(value or "").strip()
    found = (
        Specification.objects.select_related("product", "material").filter(pk=int(text), voided=False).first()
        if text.isdecimal()
        else None
    )
    if found is None:
        raise InvalidInput(field, f"there is no specification {text!r}")
    return found
