"""REST operations of complaints and recalls (transitions, signatures and links: the generic /records/… ones)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, answers, bounded
from atmp.quality.api.paging import After, Id, Limit, ShowVoided, Version, common, live, one, page
from atmp.quality.api.suppliers import _changes, site_by_code
from atmp.quality.models.complaints import Complaint
from atmp.quality.models.recalls import Recall, RecallRecipient, RecallScope
from atmp.quality.selectors.complaints import flagged_for_pv
from atmp.quality.selectors.recalls import reconciliation
from atmp.quality.services import complaints as complaint_svc
from atmp.quality.services import recalls as recall_svc

router = Router(tags=["quality: complaints and recalls"])
Text = Annotated[str, bounded(20000)]
Short = Annotated[str, bounded(200)]
Ref = Annotated[str, bounded(100)]
Reason = Annotated[str, bounded(2000)]
Key = Annotated[str, bounded(150)]
Quantity = Annotated[Decimal, Field(ge=0, le=Decimal("99999999999.999"), max_digits=14, decimal_places=3)]


def _site(code: str) -> Any:
    site = site_by_code(code)
    if site is None:
        raise InvalidInput("site", "name the site")
    return site


class ComplaintIn(BodyIn):
    """A complaint received: where, when, from what kind of source, what; the reporter by reference only."""

    site: Annotated[str, bounded(20)]
    title: Short
    received_date: dt.date
    source: Annotated[str, bounded(20)]
    description: Text
    reporter_reference: Ref = ""
    possible_adverse_reaction: StrictBool = False
    concerns: Annotated[list[Key], Field(max_length=100)] = []
    reason: Reason = ""


class ComplaintPatch(BodyIn):
    """The investigation and conclusion, a PV reference, or a correction, with why and the version seen."""

    reason: Reason
    version: Version
    title: Short | None = None
    description: Text | None = None
    reporter_reference: Ref | None = None
    possible_adverse_reaction: StrictBool | None = None
    pv_reference: Ref | None = None
    investigation: Text | None = None
    conclusion: Text | None = None


class ConcernsIn(BodyIn):
    """A product, batch or lot the complaint concerns, by record key."""

    target: Key
    reason: Reason = ""


class ComplaintOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    status_label: str
    number: str
    site: str
    title: str
    received_date: dt.date
    source: str
    reporter_reference: str
    description: str
    possible_adverse_reaction: bool
    pv_reference: str
    investigation: str
    conclusion: str


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    next: int | None


def complaint_doc(c: Complaint) -> dict[str, Any]:
    """Return a complaint as ComplaintOut."""
    return {
        **common(c),
        "number": c.number,
        "site": c.site.code,
        "title": c.title,
        "received_date": c.received_date,
        "source": c.source,
        "reporter_reference": c.reporter_reference,
        "description": c.description,
        "possible_adverse_reaction": c.possible_adverse_reaction,
        "pv_reference": c.pv_reference,
        "investigation": c.investigation,
        "conclusion": c.conclusion,
    }


@router.get("/quality/complaints", response=answers({200: ComplaintPage}))
@requires("records.view")
def list_complaints(
    request: HttpRequest,
    limit: Limit = 50,
    after: After = None,
    status: Annotated[str, bounded(32)] = "",
    flagged: bool = False,
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List complaints, newest first; ?flagged=true: those flagged for pharmacovigilance; ?status= filters."""
    rows = flagged_for_pv() if flagged else Complaint.objects.all()
    if status:
        rows = rows.filter(status=status)
    items, cursor = page(live(user_of(request), rows, voided=voided), limit=limit, after=after)
    return {"items": [complaint_doc(c) for c in items], "next": cursor}


@router.post("/quality/complaints", response=answers({201: ComplaintOut}))
@requires("records.write")
def create_complaint(request: HttpRequest, body: ComplaintIn) -> Status[dict[str, Any]]:
    """Record a complaint as received (a possible adverse reaction notifies the site's PV Officers)."""
    made = complaint_svc.open_complaint(
        actor=user_of(request), site=_site(body.site), **body.model_dump(exclude={"site"})
    )
    return Status(201, complaint_doc(made))


@router.patch("/quality/complaints/{complaint_id}", response=answers({200: ComplaintOut}))
@requires("records.write")
def update_complaint(request: HttpRequest, complaint_id: Id, body: ComplaintPatch) -> dict[str, Any]:
    """Record the investigation and conclusion, or correct the intake."""
    user = user_of(request)
    c = complaint_svc.update_complaint(
        actor=user,
        complaint=one(user, Complaint, complaint_id),
        reason=body.reason,
        version=body.version,
        **_changes(body),
    )
    return complaint_doc(c)


@router.post("/quality/complaints/{complaint_id}/concerns", response=answers({200: ComplaintOut}))
@requires("records.write")
def add_concerned(request: HttpRequest, complaint_id: Id, body: ConcernsIn) -> dict[str, Any]:
    """Link the complaint to a product, batch or lot it concerns."""
    user = user_of(request)
    c = one(user, Complaint, complaint_id)
    complaint_svc.add_concerned(actor=user, complaint=c, target=body.target, reason=body.reason)
    return complaint_doc(c)


class RecallIn(BodyIn):
    """A recall decided: site, title, why, EU rapid-alert class (class_i|class_ii|class_iii), decision date."""

    site: Annotated[str, bounded(20)]
    title: Short
    recall_reason: Text
    classification: Annotated[str, bounded(16)]
    decision_date: dt.date | None = None
    mock: StrictBool = False
    reason: Reason = ""


class RecallPatch(BodyIn):
    """A correction of a recall, or the explanation of a difference in its quantities."""

    reason: Reason
    version: Version
    title: Short | None = None
    recall_reason: Text | None = None
    classification: Annotated[str, bounded(16)] | None = None
    decision_date: dt.date | None = None
    reconciliation_note: Text | None = None


class ScopeItemIn(Schema):
    """A batch or lot: record key, description, unit and quantities (decimals, at most 3 places)."""

    record: Key
    description: Short
    unit: Annotated[str, bounded(20)] = ""
    quantity_distributed: Quantity
    quantity_returned: Quantity = Decimal(0)
    quantity_destroyed: Quantity = Decimal(0)
    quantity_administered: Quantity = Decimal(0)


class ScopeIn(BodyIn):
    """Batches or lots to add to the recall's scope, all or none."""

    items: Annotated[list[ScopeItemIn], Field(min_length=1, max_length=1000)]
    reason: Reason


class ScopePatch(BodyIn):
    """What became of a batch or lot: returned, destroyed, administered (or a corrected distributed quantity)."""

    reason: Reason
    version: Version
    quantity_distributed: Quantity | None = None
    quantity_returned: Quantity | None = None
    quantity_destroyed: Quantity | None = None
    quantity_administered: Quantity | None = None


class RecipientIn(BodyIn):
    """A recipient to reach, by pseudonymous reference; kind consignee|hospital|physician|patient|authority."""

    reference: Ref
    kind: Annotated[str, bounded(16)]
    reason: Reason = ""


class NotifiedIn(BodyIn):
    """When the recipient was notified (now if absent) and what they answered."""

    reason: Reason
    version: Version
    notified_at: dt.datetime | None = None
    response: Text | None = None


class ScopeOut(Schema):
    id: int
    record: str
    version: int
    item: str
    description: str
    unit: str
    quantity_distributed: str
    quantity_returned: str
    quantity_destroyed: str
    quantity_administered: str


class RecipientOut(Schema):
    id: int
    record: str
    version: int
    reference: str
    kind: str
    notified_at: dt.datetime | None
    response: str


class RecallOut(Schema):
    id: int
    record: str
    voided: bool
    version: int
    status: str
    status_label: str
    number: str
    site: str
    title: str
    recall_reason: str
    classification: str
    decision_date: dt.date | None
    mock: bool
    reconciliation_note: str
    scope: list[ScopeOut]
    recipients: list[RecipientOut]
    reconciliation_complete: bool
    reconciliation_rule: str | None


class RecallPage(Schema):
    items: list[RecallOut]
    next: int | None


def scope_doc(row: RecallScope) -> dict[str, Any]:
    """Return a scope row as ScopeOut."""
    return {
        "id": row.pk,
        "record": row.record_key,
        "version": row.version,
        "item": row.record,
        "description": row.description,
        "unit": row.unit,
        **{
            n: str(getattr(row, n))
            for n in ("quantity_distributed", "quantity_returned", "quantity_destroyed", "quantity_administered")
        },
    }


def recipient_doc(r: RecallRecipient) -> dict[str, Any]:
    """Return a recipient as RecipientOut."""
    return {
        "id": r.pk,
        "record": r.record_key,
        "version": r.version,
        "reference": r.reference,
        "kind": r.kind,
        "notified_at": r.notified_at,
        "response": r.response,
    }


def recall_doc(r: Recall) -> dict[str, Any]:
    """Return a recall as RecallOut, with its reconciliation."""
    rec = reconciliation(r)
    return {
        **common(r),
        "number": r.number,
        "site": r.site.code,
        "title": r.title,
        "recall_reason": r.recall_reason,
        "classification": r.classification,
        "decision_date": r.decision_date,
        "mock": r.mock,
        "reconciliation_note": r.reconciliation_note,
        "scope": [scope_doc(s) for s in r.scope.filter(voided=False).order_by("pk")],
        "recipients": [recipient_doc(x) for x in r.recipients.filter(voided=False).order_by("pk")],
        "reconciliation_complete": rec.complete,
        "reconciliation_rule": rec.broken_rule,
    }


@router.get("/quality/recalls", response=answers({200: RecallPage}))
@requires("records.view")
def list_recalls(
    request: HttpRequest,
    limit: Limit = 50,
    after: After = None,
    status: Annotated[str, bounded(32)] = "",
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List recalls, newest first (?status= filters)."""
    rows = Recall.objects.all()
    if status:
        rows = rows.filter(status=status)
    items, cursor = page(live(user_of(request), rows, voided=voided), limit=limit, after=after)
    return {"items": [recall_doc(r) for r in items], "next": cursor}


@router.post("/quality/recalls", response=answers({201: RecallOut}))
@requires("records.write")
def create_recall(request: HttpRequest, body: RecallIn) -> Status[dict[str, Any]]:
    """Initiate a recall."""
    made = recall_svc.open_recall(actor=user_of(request), site=_site(body.site), **body.model_dump(exclude={"site"}))
    return Status(201, recall_doc(made))


@router.patch("/quality/recalls/{recall_id}", response=answers({200: RecallOut}))
@requires("records.write")
def update_recall(request: HttpRequest, recall_id: Id, body: RecallPatch) -> dict[str, Any]:
    """Correct a recall, or explain why its quantities do not add up."""
    user = user_of(request)
    r = recall_svc.update_recall(
        actor=user, recall=one(user, Recall, recall_id), reason=body.reason, version=body.version, **_changes(body)
    )
    return recall_doc(r)


@router.post("/quality/recalls/{recall_id}/scope", response=answers({200: RecallOut}))
@requires("records.write")
def add_scope(request: HttpRequest, recall_id: Id, body: ScopeIn) -> dict[str, Any]:
    """Add batches or lots to the recall's scope (all or none); each is linked from the recall."""
    user = user_of(request)
    r = one(user, Recall, recall_id)
    items = [recall_svc.ScopeItem(**i.model_dump()) for i in body.items]
    recall_svc.add_scope(actor=user, recall=r, items=items, reason=body.reason)
    return recall_doc(r)


@router.patch("/quality/recall-scope/{scope_id}", response=answers({200: ScopeOut}))
@requires("records.write")
def update_scope(request: HttpRequest, scope_id: Id, body: ScopePatch) -> dict[str, Any]:
    """Record what became of a batch or lot in the recall."""
    user = user_of(request)
    row = recall_svc.update_scope(
        actor=user,
        row=one(user, RecallScope, scope_id),
        reason=body.reason,
        version=body.version,
        **{k: v for k, v in _changes(body).items() if v is not None},
    )
    return scope_doc(row)


@router.post("/quality/recalls/{recall_id}/recipients", response=answers({201: RecipientOut}))
@requires("records.write")
def add_recipient(request: HttpRequest, recall_id: Id, body: RecipientIn) -> Status[dict[str, Any]]:
    """Add a consignee or patient to reach."""
    user = user_of(request)
    made = recall_svc.add_recipient(
        actor=user, recall=one(user, Recall, recall_id), reference=body.reference, kind=body.kind, reason=body.reason
    )
    return Status(201, recipient_doc(made))


@router.patch("/quality/recall-recipients/{recipient_id}", response=answers({200: RecipientOut}))
@requires("records.write")
def record_notification(request: HttpRequest, recipient_id: Id, body: NotifiedIn) -> dict[str, Any]:
    """Record that the recipient was notified, and their response."""
    user = user_of(request)
    extra = {"response": body.response} if body.response is not None else {}
    r = recall_svc.record_notification(
        actor=user,
        recipient=one(user, RecallRecipient, recipient_id),
        reason=body.reason,
        version=body.version,
        notified_at=body.notified_at,
        **extra,
    )
    return recipient_doc(r)
