"""REST operations of controlled documents and training: documents, versions, requirements, read-and-understood.

A record, its history, its workflow transitions (submit, approve, make_effective …) and links are the
generic endpoints (/records/{type}/{id}…); these add what is particular to documents and training.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.visibility import visible_users
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, answers, bounded
from atmp.ledger.api import visible_record
from atmp.ledger.errors import NotFound
from atmp.quality.api.paging import ShowVoided, page, shown
from atmp.quality.models.documents import Document, DocumentVersion, TrainingRecord, TrainingRequirement
from atmp.quality.selectors import documents as selectors
from atmp.quality.services import documents as services

router = Router(tags=["quality: documents and training"])

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Version = Annotated[int, Field(ge=1, le=MAX_INT)]
Limit = Annotated[int, Field(ge=1, le=500)]
Text200 = Annotated[str, bounded(200)]


class DocumentIn(BodyIn):
    """A new controlled document; the number is given (e.g. by a legacy system) or made from the type."""

    title: Text200
    document_type: Annotated[str, bounded(32)]
    owner: Annotated[str, bounded(150)] | None = None
    site: Annotated[str, bounded(20)] | None = None
    review_interval_months: Annotated[int, Field(ge=0, le=10_000)] = 24
    number: Annotated[str, bounded(40)] = ""
    reason: Annotated[str, bounded(2000)] = ""


class DocumentPatch(BodyIn):
    """A change to a document's title, owner or review interval: why, and the version you saw."""

    reason: Annotated[str, bounded(2000)]
    version: Version
    title: Text200 | None = None
    owner: Annotated[str, bounded(150)] | None = None
    review_interval_months: Annotated[int, Field(ge=0, le=10_000)] | None = None


class VersionIn(BodyIn):
    """The next version of a document, as a draft."""

    change_summary: Annotated[str, bounded(5000)] = ""
    effective_date: dt.date | None = None
    reason: Annotated[str, bounded(2000)] = ""


class VersionPatch(BodyIn):
    """A change to a draft version: why, and the version of the record you saw."""

    reason: Annotated[str, bounded(2000)]
    version: Version
    change_summary: Annotated[str, bounded(5000)] | None = None
    effective_date: dt.date | None = None


class RequirementIn(BodyIn):
    """Training on a document required of a role (optionally at one site) or of a named person."""

    document: Id
    role: Annotated[str, bounded(32)] = ""
    user: Annotated[str, bounded(150)] | None = None
    site: Annotated[str, bounded(20)] | None = None
    grace_days: Annotated[int, Field(ge=0, le=10_000)] = 30
    note: Annotated[str, bounded(2000)] = ""
    reason: Annotated[str, bounded(2000)] = ""


class RequirementVoidIn(BodyIn):
    """Why the requirement is removed (it is voided; the ledger keeps it)."""

    reason: Annotated[str, bounded(2000)]


class ReadSignIn(BodyIn):
    """Your password (and authenticator code, with MFA): the read-and-understood is an e-signature."""

    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None


class VersionOut(Schema):
    """A version of a document and its place in the workflow."""

    id: int
    record: str
    document: int
    label: str
    status: str
    change_summary: str
    effective_date: dt.date | None
    review_due: dt.date | None
    version: int


class DocumentOut(Schema):
    """A controlled document, with the version in force (derived) and the one in preparation, if any."""

    id: int
    record: str
    voided: bool
    number: str
    title: str
    document_type: str
    site: str | None
    owner: str
    review_interval_months: int
    effective_version: VersionOut | None
    version: int


class DocumentPage(Schema):
    """A page of documents, newest first; pass next_after as `after` for the next page (None: no more)."""

    documents: list[DocumentOut]
    next_after: int | None


class RequirementOut(Schema):
    """A training requirement."""

    id: int
    record: str
    document: int
    document_number: str
    role: str
    user: str | None
    site: str | None
    grace_days: int
    note: str
    voided: bool


class TrainingRecordOut(Schema):
    """A read-and-understood: who signed which version, when."""

    id: int
    record: str
    voided: bool
    user: str
    document: int
    document_number: str
    document_version: int
    version_label: str
    signed_at: dt.datetime


class TrainingRecordPage(Schema):
    """A page of training records, newest first; pass next_after as `after` for the next page."""

    records: list[TrainingRecordOut]
    next_after: int | None


class StatusItemOut(Schema):
    """One document a user must be trained on, and where they stand."""

    document: int
    document_number: str
    title: str
    version: int
    version_label: str
    state: str
    due: dt.date
    trained_at: dt.datetime | None


class StatusOut(Schema):
    """A user's training status at a moment."""

    user: str
    at: dt.datetime
    items: list[StatusItemOut]


class MatrixCellOut(Schema):
    """One required (user, document) pair."""

    user: str
    document: int
    state: str
    due: dt.date


class MatrixOut(Schema):
    """Users × required documents → trained / due / overdue, with the counts and the compliance ratio."""

    at: dt.datetime
    site: str | None
    users: list[str]
    documents: list[dict[str, Any]]
    cells: list[MatrixCellOut]
    required: int
    trained: int
    due: int
    overdue: int
    compliance: str


def version_document(v: DocumentVersion) -> dict[str, Any]:
    """Return a version as VersionOut."""
    return {
        "id": v.pk,
        "record": v.record_key,
        "document": v.document_id,
        "label": v.label,
        "status": v.status,
        "change_summary": v.change_summary,
        "effective_date": v.effective_date,
        "review_due": v.review_due,
        "version": v.version,
    }


def document_document(d: Document) -> dict[str, Any]:
    """Return a document as DocumentOut."""
    in_force = d.effective_version()
    return {
        "id": d.pk,
        "record": d.record_key,
        "voided": d.voided,
        "number": d.number,
        "title": d.title,
        "document_type": d.document_type,
        "site": d.site.code if d.site is not None else None,
        "owner": d.owner.username,
        "review_interval_months": d.review_interval_months,
        "effective_version": version_document(in_force) if in_force else None,
        "version": d.version,
    }


def requirement_document(r: TrainingRequirement) -> dict[str, Any]:
    """Return a requirement as RequirementOut."""
    return {
        "id": r.pk,
        "record": r.record_key,
        "document": r.document_id,
        "document_number": r.document.number,
        "role": r.role,
        "user": r.user.username if r.user is not None else None,
        "site": r.site.code if r.site is not None else None,
        "grace_days": r.grace_days,
        "note": r.note,
        "voided": r.voided,
    }


def training_record_document(t: TrainingRecord) -> dict[str, Any]:
    """Return a training record as TrainingRecordOut."""
    return {
        "id": t.pk,
        "record": t.record_key,
        "voided": t.voided,
        "user": t.user.username,
        "document": t.document_id,
        "document_number": t.document.number,
        "document_version": t.document_version_id,
        "version_label": t.document_version.label,
        "signed_at": t.signed_at,
    }


def status_document(user: User, at: dt.datetime, items: list[selectors.TrainingItem]) -> dict[str, Any]:
    """Return a user's training status as StatusOut."""
    return {
        "user": user.username,
        "at": at,
        "items": [
            {
                "document": i.document.pk,
                "document_number": i.document.number,
                "title": i.document.title,
                "version": i.version.pk,
                "version_label": i.version.label,
                "state": i.state,
                "due": i.due,
                "trained_at": i.trained_at,
            }
            for i in items
        ],
    }


def matrix_document(matrix: selectors.TrainingMatrix, *, at: dt.datetime, site: Site | None) -> dict[str, Any]:
    """Return a training matrix as MatrixOut."""
    names = {u.pk: u.username for u in matrix.users}
    return {
        "at": at,
        "site": site.code if site else None,
        "users": [u.username for u in matrix.users],
        "documents": [{"id": d.pk, "number": d.number, "title": d.title} for d in matrix.documents],
        "cells": [
            {"user": names[user_id], "document": doc_id, "state": item.state, "due": item.due}
            for (user_id, doc_id), item in sorted(matrix.cells.items())
            if user_id in names
        ],
        "required": matrix.required,
        "trained": matrix.count(selectors.TRAINED),
        "due": matrix.count(selectors.DUE),
        "overdue": matrix.count(selectors.OVERDUE),
        "compliance": str(matrix.compliance),
    }


def _user(username: str, *, field: str, viewer: User) -> User:
    found = visible_users(viewer).filter(username=username.strip().lower()).first()
    if found is None:
        raise InvalidInput(field, f"there is no user {username!r}")
    return found


def _site(code: str | None, viewer: User) -> Site | None:
    if not code:
        return None
    site = Site.objects.filter(code=code.strip().upper()).first()
    ids = viewer.site_ids()
    if site is None or (ids is not None and site.pk not in ids):
        raise InvalidInput("site", f"there is no site {code!r}")
    return site


def _visible(rows: QuerySet[Any], viewer: User, path: str) -> QuerySet[Any]:
    ids = viewer.site_ids()
    if ids is None:
        return rows
    return rows.filter(Q(**{f"{path}__isnull": True}) | Q(**{f"{path}__in": ids}))


def _document(request: HttpRequest, pk: int) -> Document:
    record = visible_record(request, Document.record_type(), str(pk))
    assert isinstance(record, Document)
    return record


def _version(request: HttpRequest, pk: int) -> DocumentVersion:
    record = visible_record(request, DocumentVersion.record_type(), str(pk))
    assert isinstance(record, DocumentVersion)
    return record


def _moment(text: str | None) -> dt.datetime:
    from atmp.ledger import clock

    if not text:
        return clock.now()
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("at", f"{text!r} is not a time like 2027-01-31T12:00:00Z") from None
    if at.tzinfo is None:
        raise InvalidInput("at", "give a time with its offset, e.g. 2027-01-31T12:00:00Z")
    return at


@router.get("/quality/documents", response=answers({200: DocumentPage}))
@requires("records.view")
def list_documents(
    request: HttpRequest,
    document_type: Annotated[str, bounded(32)] | None = None,
    site: Annotated[str, bounded(20)] | None = None,
    q: Annotated[str, bounded(200)] | None = None,
    after: Id | None = None,
    limit: Limit = 50,
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List controlled documents, newest first, by type, site or words of the number or title."""
    viewer = user_of(request)
    rows = _visible(shown(Document.objects.all(), voided=voided), viewer, "site_id").select_related("site", "owner")
    if document_type:
        rows = rows.filter(document_type=document_type)
    where = _site(site, viewer)
    if where is not None:
        rows = rows.filter(Q(site=where) | Q(site__isnull=True))
    if q:
        rows = rows.filter(Q(number__icontains=q) | Q(title__icontains=q))
    found, cursor = page(rows, limit=limit, after=after)
    return {"documents": [document_document(d) for d in found], "next_after": cursor}


@router.post("/quality/documents", response=answers({201: DocumentOut}))
@requires("records.write")
def create_document(request: HttpRequest, body: DocumentIn) -> Status[dict[str, Any]]:
    """Register a controlled document (numbered from its type unless a number is given)."""
    actor = user_of(request)
    owner = _user(body.owner, field="owner", viewer=actor) if body.owner else actor
    made = services.add_document(
        actor=actor,
        title=body.title,
        document_type=body.document_type,
        owner=owner,
        site=_site(body.site, actor),
        review_interval_months=body.review_interval_months,
        number=body.number,
        reason=body.reason,
    )
    return Status(201, document_document(made))


@router.patch("/quality/documents/{document_id}", response=answers({200: DocumentOut}))
@requires("records.write")
def update_document(request: HttpRequest, document_id: Id, body: DocumentPatch) -> dict[str, Any]:
    """Change a document's title, owner or review interval, with a reason and the version you saw."""
    actor = user_of(request)
    document = _document(request, document_id)
    owner = _user(body.owner, field="owner", viewer=actor) if body.owner else None
    services.update_document(
        actor=actor,
        document=document,
        reason=body.reason,
        version=body.version,
        title=body.title,
        owner=owner,
        review_interval_months=body.review_interval_months,
    )
    return document_document(document)


@router.get("/quality/documents/{document_id}/versions", response=answers({200: list[VersionOut]}))
@requires("records.view")
def list_versions(request: HttpRequest, document_id: Id) -> list[dict[str, Any]]:
    """List a document's versions, newest first."""
    document = _document(request, document_id)
    return [version_document(v) for v in document.versions.filter(voided=False).order_by("-pk")]


@router.post("/quality/documents/{document_id}/versions", response=answers({201: VersionOut}))
@requires("records.write")
def create_version(request: HttpRequest, document_id: Id, body: VersionIn) -> Status[dict[str, Any]]:
    """Start the document's next version as a draft (refused while another is in preparation)."""
    made = services.add_version(
        actor=user_of(request),
        document=_document(request, document_id),
        change_summary=body.change_summary,
        effective_date=body.effective_date,
        reason=body.reason,
    )
    return Status(201, version_document(made))


@router.patch("/quality/documents/versions/{version_id}", response=answers({200: VersionOut}))
@requires("records.write")
def update_version(request: HttpRequest, version_id: Id, body: VersionPatch) -> dict[str, Any]:
    """Change a draft version's change summary or effective date, with a reason and the version you saw."""
    record = _version(request, version_id)
    services.update_version(
        actor=user_of(request),
        document_version=record,
        reason=body.reason,
        version=body.version,
        change_summary=body.change_summary,
        effective_date=body.effective_date,
    )
    return version_document(record)


@router.post("/quality/documents/versions/{version_id}/read-and-understood", response=answers({201: TrainingRecordOut}))
@requires("records.sign")
def read_and_understood(request: HttpRequest, version_id: Id, body: ReadSignIn) -> Status[dict[str, Any]]:
    """Sign the effective version 'Read and understood' with your password (and code): your training record."""
    made = services.read_and_understood(
        actor=user_of(request), version=_version(request, version_id), password=body.password, otp=body.otp
    )
    return Status(201, training_record_document(made))


@router.post("/quality/training/requirements", response=answers({201: RequirementOut}))
@requires("quality.decide")
def create_requirement(request: HttpRequest, body: RequirementIn) -> Status[dict[str, Any]]:
    """Require training on a document of a role (optionally at one site) or of a named person."""
    actor = user_of(request)
    made = services.add_requirement(
        actor=actor,
        document=_document(request, body.document),
        role=body.role,
        user=_user(body.user, field="user", viewer=actor) if body.user else None,
        site=_site(body.site, actor),
        grace_days=body.grace_days,
        note=body.note,
        reason=body.reason,
    )
    return Status(201, requirement_document(made))


@router.get("/quality/training/requirements", response=answers({200: list[RequirementOut]}))
@requires("records.view")
def list_requirements(request: HttpRequest, document: Id | None = None) -> list[dict[str, Any]]:
    """List the training requirements in force, optionally of one document."""
    rows = _visible(TrainingRequirement.objects.filter(voided=False), user_of(request), "document__site_id")
    if document is not None:
        rows = rows.filter(document_id=document)
    return [requirement_document(r) for r in rows.select_related("document", "user", "site").order_by("-pk")[:1000]]


@router.post("/quality/training/requirements/{requirement_id}/void", response=answers({200: RequirementOut}))
@requires("quality.decide")
def void_requirement(request: HttpRequest, requirement_id: Id, body: RequirementVoidIn) -> dict[str, Any]:
    """Remove a training requirement: it is voided with the reason, and the ledger keeps it."""
    record = visible_record(request, TrainingRequirement.record_type(), str(requirement_id))
    if not isinstance(record, TrainingRequirement):
        raise NotFound(f"there is no training requirement {requirement_id}")
    return requirement_document(
        services.void_requirement(actor=user_of(request), requirement=record, reason=body.reason)
    )


@router.get("/quality/training/records", response=answers({200: TrainingRecordPage}))
@requires("records.view")
def list_training_records(
    request: HttpRequest,
    user: Annotated[str, bounded(150)] | None = None,
    document: Id | None = None,
    after: Id | None = None,
    limit: Limit = 50,
    voided: ShowVoided = False,
) -> dict[str, Any]:
    """List read-and-understood records, newest first, of a user or a document."""
    viewer = user_of(request)
    rows = _visible(shown(TrainingRecord.objects.all(), voided=voided), viewer, "document__site_id")
    if user:
        rows = rows.filter(user=_user(user, field="user", viewer=viewer))
    if document is not None:
        rows = rows.filter(document_id=document)
    found, cursor = page(rows.select_related("user", "document", "document_version"), limit=limit, after=after)
    return {"records": [training_record_document(t) for t in found], "next_after": cursor}


class StatusQuery(Schema):
    """Whose training status, and at what moment (now by default)."""

    user: Annotated[str, bounded(150)]
    at: Annotated[str, bounded(40)] | None = None


@router.get("/quality/training/status", response=answers({200: StatusOut}))
@requires("records.view")
def training_status(request: HttpRequest, query: Query[StatusQuery]) -> dict[str, Any]:
    """Return a user's required documents, each trained, due or overdue."""
    viewer = user_of(request)
    person = _user(query.user, field="user", viewer=viewer)
    at = _moment(query.at)
    return status_document(person, at, selectors.training_status(person, at))


@router.get("/quality/training/matrix", response=answers({200: MatrixOut}))
@requires("records.view")
def training_matrix(
    request: HttpRequest, site: Annotated[str, bounded(20)] | None = None, at: Annotated[str, bounded(40)] | None = None
) -> dict[str, Any]:
    """Return the training matrix (users × required documents), of one site or of every site."""
    viewer = user_of(request)
    where = _site(site, viewer)
    if where is None and viewer.site_ids() is not None:
        raise InvalidInput("site", "you work at some sites only: name one of them")
    moment = _moment(at)
    return matrix_document(selectors.training_matrix(where, moment), at=moment, site=where)
