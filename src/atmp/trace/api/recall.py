"""REST operations of the recall impact: what recalling a lot or person reaches, and the action that recalls it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, answers, bounded, segment
from atmp.trace.api.documents import impact_document, opened_recall_document
from atmp.trace.selectors import recall as selectors
from atmp.trace.selectors.lookups import root_named
from atmp.trace.services import recalls as svc

router = Router(tags=["trace"])
Root = Annotated[str, segment(60)]


class InStockOut(Schema):
    quantity: str
    site: str
    location: str


class UsedIntoOut(Schema):
    lot: str
    quantity: str
    unit: str


class GivenOut(Schema):
    coi: str
    quantity: str | None = Field(description="How much was given (null: not recorded).")
    unit: str


class ShippedOut(Schema):
    shipment: str
    consignee: str


class WhereaboutsOut(Schema):
    places: list[str] = Field(description='Where its units are: "in stock", "consumed", "administered", "shipped".')
    in_stock: InStockOut | None
    consumed_into: list[UsedIntoOut]
    administered_to: list[GivenOut] = Field(description="The patients given the lot, by COI, and how much.")
    shipped: list[ShippedOut]


class ImpactedLotOut(Schema):
    lot: str
    material: str
    type: str
    status: str
    site: str
    level: int
    quantity: str
    unit: str
    whereabouts: WhereaboutsOut


class PatientOut(Schema):
    coi: str
    site: str


class ConsigneeOut(Schema):
    site: str
    kind: str = Field(description='"hospital": its patients were given a lot; "consignee": it holds or received one.')
    reference: str = Field(description="How the recall names it: the site's code, or the number of the shipment to it.")
    lots: list[str]


class ImpactOut(Schema):
    root: str
    lots: list[ImpactedLotOut]
    patients: list[PatientOut]
    consignees: list[ConsigneeOut]
    elapsed_ms: float


class TraceRecallIn(BodyIn):
    """Open a recall of everything the root reaches: the defect and its class; every affected lot is recalled."""

    classification: Literal["class_i", "class_ii", "class_iii"] = Field(
        description="EU rapid alert class: class_i (life-threatening), class_ii, class_iii."
    )
    reason: Annotated[str, bounded(2000)] = Field(
        description="Why the product is recalled (the defect and its risk): the recall's reason and the ledger's."
    )
    mock: StrictBool = Field(
        False,
        description="A mock recall, exercising the procedure: scope and recipients filled, the lots left as they are.",
    )


class RecallOpenedOut(Schema):
    id: int
    record: str = Field(description="The quality recall's record key, quality.recall:ID.")
    number: str
    root: str
    recalled: list[str] = Field(description="The lots moved to recalled.")
    rejected: list[str] = Field(description="The lots still in quarantine, rejected (never released, never to be).")
    unchanged: list[str] = Field(
        description="The lots left as they were (rejected or recalled already; every lot of a mock recall)."
    )


@router.get("/trace/recall/{root}", response=answers({200: ImpactOut}))
@requires("records.view")
def recall_impact(request: HttpRequest, root: Root) -> dict[str, Any]:
    """Return what recalling a lot, donor or patient reaches: each lot and where it is, the patients, the consignees."""
    user = user_of(request)
    found, elapsed = selectors.timed(root_named(root, user))
    return impact_document(found.visible_to(user.site_ids()), elapsed)


@router.post("/trace/recall/{root}", response=answers({201: RecallOpenedOut}))
@requires("quality.decide")
def open_recall(request: HttpRequest, root: Root, body: TraceRecallIn) -> Status[dict[str, Any]]:
    """Open a quality recall filled with the root's impact, and recall every affected lot (409 if one is open)."""
    user = user_of(request)
    opened = svc.recall(
        actor=user,
        root=root_named(root, user),
        classification=body.classification,
        reason=body.reason,
        mock=body.mock,
    )
    return Status(201, opened_recall_document(opened))
