"""REST operations of the material catalogue: list, one, add."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.trace.api.documents import material_document
from atmp.trace.selectors import lists
from atmp.trace.selectors.lookups import material_named
from atmp.trace.services import materials as svc

router = Router(tags=["trace"])
add_list_operation(router, "/trace/materials", lists.MATERIALS, permission="records.view", tags=["trace"])


class MaterialIn(BodyIn):
    """A material to add: its code (what suppliers are qualified for), name, type and UCUM unit."""

    code: Annotated[str, bounded(40)]
    name: Annotated[str, bounded(200)]
    type: Annotated[str, bounded(32)]
    unit: Annotated[str, bounded(20)]
    storage: Annotated[str, bounded(200)] = ""
    gtin: Annotated[str, bounded(14)] = Field("", description="A GTIN-8, -12, -13 or -14 with its check digit.")
    isbt128_product_code: Annotated[str, bounded(8)] = Field("", description="ISBT 128 product code αooootds.")
    reason: Reason = ""


class LabelCodesIn(BodyIn):
    """A material's codes for its lots' labels: give the ones to change ("" removes one)."""

    gtin: Annotated[str, bounded(14)] | None = None
    isbt128_product_code: Annotated[str, bounded(8)] | None = None
    reason: Reason
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class MaterialOut(Schema):
    id: int
    record: str
    version: int
    code: str
    name: str
    type: str
    unit: str
    storage: str
    gtin: str
    isbt128_product_code: str


@router.get("/trace/materials/{code}", response=answers({200: MaterialOut}))
@requires("records.view")
def get_material(request: HttpRequest, code: Annotated[str, segment(40)]) -> dict[str, Any]:
    """Return the material of the code."""
    return material_document(material_named(code))


@router.post("/trace/materials", response=answers({201: MaterialOut}))
@requires("records.write")
def add_material(request: HttpRequest, body: MaterialIn) -> Status[dict[str, Any]]:
    """Add a material to the catalogue (400 naming a bad field, 409 for a code already there)."""
    made = svc.add_material(
        actor=user_of(request),
        code=body.code,
        name=body.name,
        type=body.type,
        unit=body.unit,
        storage=body.storage,
        gtin=body.gtin,
        isbt128_product_code=body.isbt128_product_code,
        reason=body.reason,
    )
    return Status(201, material_document(made))


@router.patch("/trace/materials/{code}/label-codes", response=answers({200: MaterialOut}))
@requires("records.write")
def set_label_codes(request: HttpRequest, code: Annotated[str, segment(40)], body: LabelCodesIn) -> dict[str, Any]:
    """Set the material's GTIN or ISBT 128 product code for its lots' labels (400 naming the rule broken)."""
    changed = svc.set_label_codes(
        actor=user_of(request),
        material=material_named(code),
        gtin=body.gtin,
        isbt128_product_code=body.isbt128_product_code,
        reason=body.reason,
        version=body.version,
    )
    return material_document(changed)
