"""REST operations of methods, specifications, a product's phase and the evaluation of a result.

Approving a specification is the generic signed transition
POST /records/lab.specification/{id}/transitions/approve (atmp.workflow), as for every workflow record.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded
from atmp.lab import criteria
from atmp.lab.models import Method, Specification
from atmp.lab.selectors import lab as selectors
from atmp.lab.services import methods as method_svc
from atmp.lab.services import phases
from atmp.lab.services import specifications as spec_svc
from atmp.ledger.errors import NotFound
from atmp.trace.services.materials import find_material

router = Router(tags=["lab"])
add_list_operation(router, "/lab/methods", selectors.METHODS, permission="records.view", tags=["lab"])
add_list_operation(router, "/lab/specifications", selectors.SPECIFICATIONS, permission="records.view", tags=["lab"])
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Code = Annotated[str, bounded(40)]
PhaseText = Annotated[str, bounded(20)]


class MethodIn(BodyIn):
    """A new analytical method: its code, title, version, type and (optional) SOP document number."""

    code: Code
    title: Annotated[str, bounded(200)]
    version: Annotated[str, bounded(20)] = "1"
    method_type: Annotated[str, bounded(20)] = Field(
        description="identity, purity, potency, safety, quantity or general"
    )
    sop: Code | None = Field(None, description="The SOP's document number in quality's documents.")
    description: Annotated[str, bounded(20000)] = ""
    reason: Reason = ""


class ValidationIn(Schema):
    """A method's validation status for a phase (the report is the multipart `file`, needed above not validated)."""

    phase: PhaseText = Field(description="i, ii, iii or commercial")
    status: Annotated[str, bounded(20)] = Field(description="not_validated, qualified or validated")
    done_on: dt.date | None = None
    note: Annotated[str, bounded(2000)] = ""
    reason: Reason = ""


class ValidationOut(Schema):
    phase: str
    status: str
    required: str
    fit: bool
    done_on: str | None
    report: int | None
    report_name: str | None
    note: str


class MethodOut(Schema):
    id: int
    record: str
    version: int
    code: str
    title: str
    method_version: str
    method_type: str
    sop: str | None
    description: str
    validation: list[ValidationOut]


class SpecificationIn(BodyIn):
    """A new specification version of a product (or of a bank's cell line or vector seed) for a phase."""

    product: Code | None = Field(None, description="The product's code (a release specification).")
    material: Code | None = Field(None, description="A cell line's or vector seed's code (a bank specification).")
    phase: PhaseText = Field(description="i, ii, iii or commercial")
    title: Annotated[str, bounded(200)] = ""
    copy_from: Id | None = Field(None, description="A specification of the same product whose attributes to copy.")
    reason: Reason = ""


class AttributeIn(BodyIn):
    """An attribute of a draft specification: numeric (criterion A-B, >=A, <=B, >A, <B), conforms or report."""

    name: Annotated[str, bounded(200)]
    method: Code = Field(description="The method's code.")
    kind: Annotated[str, bounded(20)] = Field(description="numeric, conforms or report")
    criterion: Annotated[str, bounded(200)] = ""
    unit: Annotated[str, bounded(20)] = Field("", description="A UCUM code (docs/lab.md), or empty.")
    panel_test: Annotated[str, bounded(40)] = Field("", description="On a bank specification: the ICH Q5D panel test.")
    reason: Reason = ""


class AttributeOut(Schema):
    id: int
    position: int
    name: str
    method: str
    kind: str
    criterion: str
    unit: str
    unit_label: str
    panel_test: str


class SpecificationOut(Schema):
    id: int
    record: str
    version: int
    product: str
    phase: str
    number: int
    title: str
    status: str
    approved_at: str | None
    content_hash: str
    attributes: list[AttributeOut]


class PhaseIn(BodyIn):
    """Move a product into a clinical phase (an approved specification for it must exist)."""

    phase: PhaseText = Field(description="i, ii, iii or commercial")
    reason: Reason


class PhaseOut(Schema):
    product: str
    phase: str | None
    since: str | None
    specification: int | None = Field(description="The specification in force for the phase.")


class EvaluateIn(BodyIn):
    """A result and the criterion it is judged against (USP General Notices 7.20 rounding)."""

    criterion: Annotated[str, bounded(200)]
    value: Annotated[str, bounded(100)]


class EvaluateOut(Schema):
    conforms: bool
    reported: str


def _method(method_id: int) -> Method:
    found = Method.objects.filter(pk=method_id, voided=False).first()
    if found is None:
        raise NotFound(f"there is no method {method_id}")
    return found


def _specification(spec_id: int) -> Specification:
    found = Specification.objects.select_related("product").filter(pk=spec_id, voided=False).first()
    if found is None:
        raise NotFound(f"there is no specification {spec_id}")
    return found


@router.get("/lab/methods/{method_id}", response=answers({200: MethodOut}))
@requires("records.view")
def get_method(request: HttpRequest, method_id: Id) -> dict[str, Any]:
    """Return a method with its validation status per phase and whether it is fit for each."""
    return selectors.method_document(_method(method_id))


@router.post("/lab/methods", response=answers({201: MethodOut}))
@requires("records.write")
def add_method(request: HttpRequest, body: MethodIn) -> Status[dict[str, Any]]:
    """Add an analytical method (400 names the field)."""
    made = method_svc.add_method(actor=user_of(request), **body.dict())
    return Status(201, selectors.method_document(made))


@router.post("/lab/methods/{method_id}/validation", response=answers({200: MethodOut}))
@requires("records.write")
def set_validation(
    request: HttpRequest,
    method_id: Id,
    form: Form[ValidationIn],
    file: UploadedFile | None = File(None),  # noqa: B008 - django-ninja's way to declare a file
) -> dict[str, Any]:
    """Set a method's validation status for a phase with its report (multipart `file`, stored and hashed)."""
    method = _method(method_id)
    method_svc.set_validation(
        actor=user_of(request),
        method=method,
        phase=form.phase,
        status=form.status,
        report=file,
        report_name=(file.name or "") if file else "",
        done_on=form.done_on,
        note=form.note,
        reason=form.reason,
    )
    return selectors.method_document(method)


@router.get("/lab/specifications/{spec_id}", response=answers({200: SpecificationOut}))
@requires("records.view")
def get_specification(request: HttpRequest, spec_id: Id) -> dict[str, Any]:
    """Return a specification with its attributes in order."""
    return selectors.specification_document(_specification(spec_id))


@router.post("/lab/specifications", response=answers({201: SpecificationOut}))
@requires("records.write")
def new_specification(request: HttpRequest, body: SpecificationIn) -> Status[dict[str, Any]]:
    """Draft the next version of a product's specification for a phase."""
    source = spec_svc.find_specification(body.copy_from, field="copy_from") if body.copy_from else None
    made = spec_svc.new_specification(
        actor=user_of(request),
        product=phases.find_phase_product(body.product) if body.product else None,
        material=find_material(body.material) if body.material else None,
        phase=body.phase,
        title=body.title,
        copy_from=source,
        reason=body.reason,
    )
    return Status(201, selectors.specification_document(made))


@router.post("/lab/specifications/{spec_id}/attributes", response=answers({201: SpecificationOut}))
@requires("records.write")
def add_attribute(request: HttpRequest, spec_id: Id, body: AttributeIn) -> Status[dict[str, Any]]:
    """Add an attribute to a draft specification (a numeric criterion is parsed now; 400 names the field)."""
    spec = _specification(spec_id)
    spec_svc.add_attribute(
        actor=user_of(request),
        specification=spec,
        name=body.name,
        method=method_svc.find_method(body.method),
        kind=body.kind,
        criterion=body.criterion,
        unit=body.unit,
        panel_test=body.panel_test,
        reason=body.reason,
    )
    spec.refresh_from_db()
    return Status(201, selectors.specification_document(spec))


def phase_document(product: Any) -> dict[str, Any]:
    """Return a product's current phase and the specification in force for it (PhaseOut)."""
    row = phases.record_of(product)
    spec = spec_svc.in_force(product, row.phase) if row else None
    return {
        "product": product.code,
        "phase": row.phase if row else None,
        "since": row.since.isoformat() if row else None,
        "specification": spec.pk if spec else None,
    }


@router.get("/lab/products/{code}/phase", response=answers({200: PhaseOut}))
@requires("records.view")
def get_phase(request: HttpRequest, code: Code) -> dict[str, Any]:
    """Return a product's current clinical phase and the specification in force for it."""
    try:
        product = phases.find_phase_product(code)
    except InvalidInput:
        raise NotFound(f"there is no product {code}") from None
    return phase_document(product)


@router.post("/lab/products/{code}/phase", response=answers({200: PhaseOut}))
@requires("quality.decide")
def move_phase(request: HttpRequest, code: Code, body: PhaseIn) -> dict[str, Any]:
    """Move a product into a clinical phase (409 unless an approved specification exists for it there)."""
    try:
        product = phases.find_phase_product(code)
    except InvalidInput:
        raise NotFound(f"there is no product {code}") from None
    phases.move(actor=user_of(request), product=product, phase=body.phase, reason=body.reason)
    return phase_document(product)


@router.post("/lab/evaluate", response=answers({200: EvaluateOut}))
@requires("records.view")
def evaluate(request: HttpRequest, body: EvaluateIn) -> dict[str, Any]:
    """Judge a value against a criterion (USP 7.20: rounded to the limit's decimals, then compared)."""
    return dict(evaluated(body.criterion, body.value))


def evaluated(criterion: str, value: str) -> criteria.Evaluation:
    """Return criteria.evaluate's answer, or its refusal as InvalidInput naming the field (a 400, an exit 2)."""
    try:
        return criteria.evaluate(criterion, value)
    except criteria.CriterionError as exc:
        raise InvalidInput(exc.field, exc.message) from None
