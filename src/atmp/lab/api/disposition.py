"""REST operations of a batch's disposition by the QP, under /api/v1/lab/batches/{batch}/disposition.

GET the checks and the state; POST …/certify, …/release-conditionally and …/reject are the QP's signed
decisions (atmp.lab.services.disposition): refused with every failing check named (422), bad input 400.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded
from atmp.lab.services import disposition as svc
from atmp.ledger.errors import NotFound
from atmp.manufacturing.models import Batch

router = Router(tags=["lab"])

BatchNumber = Annotated[str, bounded(60)]


class DispositionSignIn(BodyIn):
    """The QP's signed decision: the reason, their password (and code)."""

    reason: Reason = ""
    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None


class DispositionRejectIn(DispositionSignIn):
    """A rejection: the reason is required."""

    reason: Annotated[str, bounded(2000)]


class DispositionConditionalIn(DispositionSignIn):
    """A conditional release: each pending test (attribute name or position) with the date its result is expected."""

    expected: dict[Annotated[str, bounded(200)], dt.date] = Field(max_length=100)
    reason: Annotated[str, bounded(2000)]


class DispositionCheckOut(Schema):
    name: str
    title: str
    state: str
    message: str
    pending: list[dict[str, Any]]


class DispositionPendingOut(Schema):
    attribute: str
    position: int
    expected_on: str


class DispositionArrivedOut(Schema):
    attribute: str
    position: int
    result: int
    arrived_on: str
    conforms: bool | None


class DispositionAlertOut(Schema):
    record: str
    result: int
    attribute: str
    reported: str
    message: str
    administrations: list[dict[str, Any]]
    notified: int


class DispositionOut(Schema):
    batch: str
    record: str | None
    status: str
    state: str
    decided_at: str | None
    certifiable: bool
    checks: list[DispositionCheckOut]
    pending: list[DispositionPendingOut]
    arrived: list[DispositionArrivedOut]
    alerts: list[DispositionAlertOut]


def batch_of(request: HttpRequest, number: str) -> Batch:
    """Return the batch of the number the caller may see, or 404."""
    try:
        return svc.find_disposition_batch(number, user=user_of(request))
    except InvalidInput:
        raise NotFound(f"there is no batch {number}") from None


@router.get("/lab/batches/{batch}/disposition", response=answers({200: DispositionOut}))
@requires("records.view")
def get_disposition(request: HttpRequest, batch: BatchNumber) -> dict[str, Any]:
    """Return the batch's disposition: its state, every certification check, the pending tests, the alerts."""
    return svc.document(batch_of(request, batch))


@router.post("/lab/batches/{batch}/disposition/certify", response=answers({200: DispositionOut}))
@requires("records.sign")
def certify(request: HttpRequest, batch: BatchNumber, body: DispositionSignIn) -> dict[str, Any]:
    """Certify the batch (signed 'QP certified'); 422 naming every check that does not pass."""
    found = batch_of(request, batch)
    svc.certify(actor=user_of(request), batch=found, password=body.password, otp=body.otp, reason=body.reason)
    return svc.document(found)


@router.post("/lab/batches/{batch}/disposition/release-conditionally", response=answers({200: DispositionOut}))
@requires("records.sign")
def release_conditionally(request: HttpRequest, batch: BatchNumber, body: DispositionConditionalIn) -> dict[str, Any]:
    """Release the batch before every result is in, each pending test with its expected date (signed)."""
    found = batch_of(request, batch)
    svc.release_conditionally(
        actor=user_of(request), batch=found, expected={k: v.isoformat() for k, v in body.expected.items()},
        password=body.password, otp=body.otp, reason=body.reason,
    )  # fmt: skip
    return svc.document(found)


@router.post("/lab/batches/{batch}/disposition/reject", response=answers({200: DispositionOut}))
@requires("records.sign")
def reject(request: HttpRequest, batch: BatchNumber, body: DispositionRejectIn) -> dict[str, Any]:
    """Reject the batch (the QP's signed decision)."""
    found = batch_of(request, batch)
    svc.reject(actor=user_of(request), batch=found, password=body.password, otp=body.otp, reason=body.reason)
    return svc.document(found)
