"""REST operations of products and process versions: lists, one, add, draft a version, link its change control.

Making a version effective is the generic signed transition
POST /records/manufacturing.processversion/{id}/transitions/make_effective (atmp.workflow).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.ledger.errors import NotFound
from atmp.manufacturing.api.documents import product_document, version_document
from atmp.manufacturing.models import ProcessVersion, Product
from atmp.manufacturing.selectors import lists
from atmp.manufacturing.services import products as svc

router = Router(tags=["manufacturing"])
add_list_operation(router, "/manufacturing/products", lists.PRODUCTS, permission="records.view", tags=["manufacturing"])
add_list_operation(
    router, "/manufacturing/process-versions", lists.PROCESS_VERSIONS, permission="records.view", tags=["manufacturing"]
)


class ProductIn(BodyIn):
    """A product: its code, name, ATMP class, vector, origin, GMO risk class and containment level."""

    code: Annotated[str, bounded(40)]
    name: Annotated[str, bounded(200)]
    atmp_class: Annotated[str, bounded(20)] = Field(
        description="gene_therapy, somatic_cell, tissue_engineered or combined"
    )
    vector_type: Annotated[str, bounded(20)] = Field(description="aav, lentivirus, adenovirus, non_viral or none")
    origin: Annotated[str, bounded(20)] = Field(description="autologous or allogeneic")
    gmo_class: Annotated[str, bounded(8)] = Field(description="none, or 1-4 (Directive 2009/41/EC)")
    containment_level: Annotated[int, Field(ge=0, le=4)]
    description: Annotated[str, bounded(20000)] = ""
    reason: Reason = ""


class ProductOut(Schema):
    id: int
    record: str
    version: int
    code: str
    name: str
    atmp_class: str
    vector_type: str
    origin: str
    gmo_class: str
    containment_level: int
    description: str


class ProcessVersionIn(BodyIn):
    """The next process version of a product at a site, and the change control that introduced it (from version 2)."""

    product: Annotated[str, bounded(40)]
    site: Annotated[str, bounded(20)]
    title: Annotated[str, bounded(200)]
    description: Annotated[str, bounded(20000)] = ""
    change_control: Annotated[str, bounded(20)] | None = Field(None, description="Its number, e.g. CC-2026-0001.")
    reason: Reason = ""


class ChangeLinkIn(BodyIn):
    """The change control that introduced the process version."""

    change_control: Annotated[str, bounded(20)] = Field(description="Its number, e.g. CC-2026-0001.")
    reason: Reason = ""


class ProcessVersionOut(Schema):
    id: int
    record: str
    version: int
    product: str
    site: str
    number: int
    title: str
    description: str
    status: str
    effective_from: str | None
    change_controls: list[str]


def _version(request: HttpRequest, version_id: int) -> ProcessVersion:
    from atmp.accounts.services import can_see

    found = ProcessVersion.objects.select_related("product", "site").filter(pk=version_id, voided=False).first()
    if found is None or not can_see(user_of(request), found):
        raise NotFound(f"there is no process version {version_id}")
    return found


@router.get("/manufacturing/products/{code}", response=answers({200: ProductOut}))
@requires("records.view")
def get_product(request: HttpRequest, code: Annotated[str, segment(40)]) -> dict[str, Any]:
    """Return the product of the code."""
    found = Product.objects.filter(code=code.strip(), voided=False).first()
    if found is None:
        raise NotFound(f"there is no product {code!r}")
    return product_document(found)


@router.post("/manufacturing/products", response=answers({201: ProductOut}))
@requires("records.write")
def add_product(request: HttpRequest, body: ProductIn) -> Status[dict[str, Any]]:
    """Add a product (400 naming a bad field or the containment rule, 409 for a code already there)."""
    made = svc.add_product(actor=user_of(request), **body.dict())
    return Status(201, product_document(made))


@router.get("/manufacturing/process-versions/{version_id}", response=answers({200: ProcessVersionOut}))
@requires("records.view")
def get_process_version(request: HttpRequest, version_id: Annotated[int, Field(ge=1, le=MAX_INT)]) -> dict[str, Any]:
    """Return the process version, with the change controls that introduced it."""
    return version_document(_version(request, version_id))


@router.post("/manufacturing/process-versions", response=answers({201: ProcessVersionOut}))
@requires("records.write")
def add_process_version(request: HttpRequest, body: ProcessVersionIn) -> Status[dict[str, Any]]:
    """Draft the next process version of the product at the site (numbered 1, 2, …)."""
    user = user_of(request)
    made = svc.add_process_version(
        actor=user,
        product=svc.find_product(body.product),
        site=accounts.find_site(body.site),
        title=body.title,
        description=body.description,
        change_control=svc.find_change(body.change_control, user=user) if body.change_control else None,
        reason=body.reason,
    )
    return Status(201, version_document(made))


@router.post("/manufacturing/process-versions/{version_id}/change-control", response=answers({200: ProcessVersionOut}))
@requires("records.write")
def link_change(
    request: HttpRequest, version_id: Annotated[int, Field(ge=1, le=MAX_INT)], body: ChangeLinkIn
) -> dict[str, Any]:
    """Link the draft process version to the change control that introduced it (same site, not cancelled)."""
    user = user_of(request)
    version = _version(request, version_id)
    svc.link_change(
        actor=user, version=version, change_control=svc.find_change(body.change_control, user=user), reason=body.reason
    )
    return version_document(version)
