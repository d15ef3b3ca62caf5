"""REST operations of cell banks and seed stocks (ICH Q5D): list, one (with its required panel and
lineage), register a lot as a bank. The bank's status is its lot's: release it with
POST /trace/lots/{number}/release (signed 'Released' by QA)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.lists import add_list_operation
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.trace.api.documents import QuantityIn
from atmp.trace.selectors import banks as sel
from atmp.trace.services import banks as svc
from atmp.trace.services.lots import find_lot

router = Router(tags=["trace"])
add_list_operation(router, "/trace/cell-banks", sel.BANKS, permission="records.view", tags=["trace"])

Number = Annotated[str, segment(60)]
Age = Annotated[int, Field(ge=0, le=svc.MAX_AGE)]


class CellBankIn(BodyIn):
    """A lot (counted in vials, in quarantine) registered as a bank; a WCB, WVS or EOPC names its parent bank."""

    lot: Annotated[str, bounded(60)]
    kind: Literal["mcb", "wcb", "mvs", "wvs", "eopc"]
    storage: Annotated[str, bounded(200)]
    age_unit: Literal["passages", "pdl"]
    age_at_banking: Age
    age_limit: Annotated[int, Field(ge=1, le=svc.MAX_AGE)]
    limit_basis: Annotated[str, bounded(2000)]
    vector_production: StrictBool = False
    parent: Annotated[str, bounded(60)] | None = Field(None, description="The parent bank's lot number.")
    parent_vials: QuantityIn = "1"
    at: dt.datetime | None = None
    reason: Reason = ""


class PanelTestOut(Schema):
    code: str
    name: str
    basis: str
    # From QC's results (ADR 0030): conforms, fails, awaiting review, not tested.
    status: str


class CellBankOut(Schema):
    id: int
    record: str
    version: int
    lot: str
    lot_record: str
    kind: str
    kind_label: str
    material: str
    material_name: str
    site: str
    status: str
    status_label: str
    parent: str | None
    vials_banked: str
    vials_remaining: str
    storage: str
    location: str
    expiry_date: str | None
    age_unit: str
    age_at_banking: Annotated[int, Field(ge=0, le=MAX_INT)]
    age_limit: Annotated[int, Field(ge=0, le=MAX_INT)]
    limit_basis: str
    vector_production: bool
    panel: list[PanelTestOut]
    created_at: str | None


class LineageLotOut(Schema):
    number: str
    material: str
    status: str
    level: int
    kind: str | None = None


class CellBankWithLineageOut(CellBankOut):
    ancestors: list[LineageLotOut]
    banks: list[LineageLotOut]
    made: list[LineageLotOut]


@router.get("/trace/cell-banks/{number}", response=answers({200: CellBankWithLineageOut}))
@requires("records.view")
def get_bank(request: HttpRequest, number: Number) -> dict[str, Any]:
    """Return the bank of the lot number: its vials, limit of in-vitro cell age, required panel and lineage."""
    user = user_of(request)
    bank = sel.bank_named(number, user)
    return {**sel.bank_document(bank), **sel.lineage_document(bank, user)}


@router.post("/trace/cell-banks", response=answers({201: CellBankOut}))
@requires("records.write")
def register_bank(request: HttpRequest, body: CellBankIn) -> Status[dict[str, Any]]:
    """Register a lot as a bank (422 when the lineage rules refuse the parent, or too few vials remain)."""
    user = user_of(request)
    bank = svc.register_bank(
        actor=user,
        lot=find_lot(body.lot, field="lot", user=user),
        kind=body.kind,
        storage=body.storage,
        age_unit=body.age_unit,
        age_at_banking=body.age_at_banking,
        age_limit=body.age_limit,
        limit_basis=body.limit_basis,
        vector_production=body.vector_production,
        parent=find_lot(body.parent, field="parent", user=user) if body.parent else None,
        parent_vials=body.parent_vials,
        at=body.at,
        reason=body.reason,
    )
    return Status(201, sel.bank_document(bank))
