"""REST operations of the ledger: the audit trail, proofs, checkpoints, and any GMP record by type and id.

The record operations are generic over record types (atmp.ledger.records.model_for), so every
GmpRecord a later module adds is readable, has a history and can be signed here with no new code.
Like the CLI, this router is an entry point: it sits on top of accounts (access, signing) although
the ledger's own modules never import accounts.
"""

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool

from atmp.accounts import services, signing, visibility
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.errors import BadRequest
from atmp.api.schemas import (
    MAX_INT,
    BodyIn,
    EntryOut,
    EntryPage,
    Seq,
    Size,
    answers,
    bounded,
    segment,
)
from atmp.ledger import checkpoints, keys, records, selectors, signatures, trail, tree
from atmp.ledger.errors import NotFound
from atmp.ledger.models import Checkpoint
from atmp.ledger.records import GmpRecord, rfc3339

router = Router()

Limit = Annotated[int, Field(ge=1, le=trail.MAX_PAGE)]
RecordType = Annotated[str, segment(100), Field(examples=["accounts.site"])]
RecordId = Annotated[str, segment(64), Field(examples=["1"])]


class TrailQuery(Schema):
    """The reviewer's filter over the audit trail; every field optional."""

    record_type: Annotated[str, bounded(100)] | None = None
    record_id: Annotated[str, bounded(64)] | None = None
    with_parts: bool = Field(
        False, description="with record_type and record_id: its parts too (a batch's steps and entries)"
    )
    actor: Annotated[str, bounded(150)] | None = Field(None, description="a username or a user id")
    action: Annotated[str, bounded(40)] | None = None
    since: Annotated[str, bounded(40)] | None = Field(None, description="from this time (included), e.g. 2026-11-25")
    until: Annotated[str, bounded(40)] | None = Field(None, description="up to this time (excluded)")
    before: Seq | None = Field(None, description="continue below this seq: the next_before of the previous page")
    limit: Limit = trail.PAGE


class EntryPageQuery(Schema):
    """Keyset pagination: `before` is the previous page's next_before."""

    before: Seq | None = None
    limit: Limit = trail.PAGE


class InclusionProofOut(Schema):
    """RFC 9162 inclusion proof of one entry (hashes in base64); verify it with contrib/atmp_verify.py."""

    seq: int
    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]


class ConsistencyProofOut(Schema):
    """RFC 9162 proof that the tree of new_size entries extends the tree of old_size entries."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class CheckpointOut(Schema):
    """A signed checkpoint: the tree size, its root (base64) and the C2SP signed note."""

    size: int
    root: str
    signed_at: str
    note: str


class CheckpointPage(Schema):
    """Checkpoints, largest first; pass next_before as `before` for the next page."""

    checkpoints: list[CheckpointOut]
    next_before: int | None


class VkeyOut(Schema):
    """The verifier key that checks every checkpoint and counter-signature (publish it out of band)."""

    vkey: str
    origin: str


class SignerOut(Schema):
    """The signer as the signature names them: id and printed name at signing."""

    id: int
    name: str


class SignatureOut(Schema):
    """An electronic signature's manifestation, and whether a later change superseded it."""

    meaning: str
    label: str
    signer: SignerOut
    signed_at: str
    record_version: int
    snapshot_hash: str
    entry_seq: int
    server_signature: str
    superseded: bool


class RecordOut(Schema):
    """A GMP record as stored: its audited snapshot, version, status and signatures."""

    type: str
    id: str
    version: int
    status: str
    voided: bool
    created_at: str | None
    created_by: int | None
    snapshot: dict[str, Any]
    snapshot_hash: str
    signatures: list[SignatureOut]
    # What the caller may sign this version as now (atmp.accounts.signing.allowed_meanings).
    meanings_you_may_give: list[str]


class SignIn(BodyIn):
    """A signature: its meaning, the signer's password (and code, if enrolled) and the version they saw."""

    meaning: Annotated[str, bounded(40)]
    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None
    version: Annotated[int, Field(ge=1, le=MAX_INT)]
    outcome: Annotated[
        str | None, Field(description="audit-trail reviews only: 'no_findings' or 'findings'", max_length=20)
    ] = None
    findings: Annotated[str, bounded(4000), Field(description="audit-trail reviews: what was found")] = ""


# --- the audit trail ----------------------------------------------------------------------------


@router.get("/ledger/entries", response=answers({200: EntryPage}), tags=["ledger"])
@requires("audit.view")
def list_entries(request: HttpRequest, q: Query[TrailQuery]) -> dict[str, Any]:
    """Return a page of the audit trail, newest first, filtered by record, actor, action and time."""
    f = _selection(q)
    return _page(trail.trail(f, before=q.before, limit=q.limit, scope=visibility.entry_scope(user_of(request))))


class TrailReviewIn(BodyIn):
    """The selection of the trail to review (as GET /ledger/entries filters it) and what the reviewer says of it."""

    record_type: Annotated[str, bounded(100)] | None = None
    record_id: Annotated[str, bounded(64)] | None = None
    # Strict: a JSON body says true or false; 0 or "no" is refused, not read as false.
    with_parts: StrictBool = Field(
        False, description="with record_type and record_id: its parts too (a batch's steps and entries)"
    )
    actor: Annotated[str, bounded(150)] | None = Field(None, description="a username or a user id")
    action: Annotated[str, bounded(40)] | None = Field(
        None, description="an action, or '-sign-ins' for every GMP change"
    )
    since: Annotated[str, bounded(40)] | None = None
    until: Annotated[str, bounded(40)] | None = None
    comment: Annotated[str, bounded(4000)] = Field(min_length=1, description="what you reviewed")


class TrailReviewOut(Schema):
    """A started audit-trail review: sign it 'audit_trail_reviewed' with its outcome (POST …/signatures)."""

    record_type: str
    id: int
    version: int
    first_seq: int | None
    last_seq: int | None
    entry_count: int
    excluded_count: int
    entries_hash: str


@router.post("/ledger/reviews", response=answers({201: TrailReviewOut}), tags=["ledger"])
@requires("audit.review")
def start_review(request: HttpRequest, body: TrailReviewIn) -> Status[dict[str, Any]]:
    """Record a review over the entries the selection holds now; its reviewer's own entries are left out."""
    from atmp.ledger import reviews

    selection = _selection(body)
    reviewer = user_of(request)
    review = reviews.start_review(
        actor=reviewer, filter=selection, comment=body.comment, visible=visibility.entry_scope(reviewer)
    )
    fields = ("id", "version", "first_seq", "last_seq", "entry_count", "excluded_count", "entries_hash")
    return Status(201, {"record_type": review.record_type()} | {k: getattr(review, k) for k in fields})


@router.get("/ledger/entries/{seq}", response=answers({200: EntryOut}), tags=["ledger"])
@requires("audit.view")
def get_entry(request: HttpRequest, seq: Seq) -> dict[str, Any]:
    """Return one ledger entry (404 for an entry about a record outside the caller's sites)."""
    return trail.as_dict(selectors.entry(seq, scope=visibility.entry_scope(user_of(request))))


@router.get("/ledger/entries/{seq}/proof", response=answers({200: InclusionProofOut}), tags=["ledger"])
@requires("audit.view")
def get_inclusion_proof(request: HttpRequest, seq: Seq, size: Size | None = None) -> dict[str, Any]:
    """Return the inclusion proof of an entry: in the tree of `size` entries, or the latest checkpoint's."""
    return selectors.inclusion_proof_document(seq, size, scope=visibility.entry_scope(user_of(request)))


@router.get("/ledger/consistency", response=answers({200: ConsistencyProofOut}), tags=["ledger"])
@requires("audit.view")
def get_consistency_proof(request: HttpRequest, old: Size, new: Size) -> dict[str, Any]:
    """Return the proof that the tree of `new` entries extends the tree of `old` entries."""
    return selectors.consistency_proof_document(old, new)


# --- checkpoints and the verifier key -----------------------------------------------------------


@router.get("/ledger/checkpoints", response=answers({200: CheckpointPage}), tags=["ledger"])
@requires("audit.view")
def list_checkpoints(request: HttpRequest, q: Query[EntryPageQuery]) -> dict[str, Any]:
    """Return signed checkpoints, largest tree first."""
    rows = Checkpoint.objects.order_by("-size")
    if q.before is not None:
        rows = rows.filter(size__lt=q.before)
    page = list(rows[: q.limit + 1])
    more = len(page) > q.limit
    page = page[: q.limit]
    return {
        "checkpoints": [selectors.checkpoint_document(c) for c in page],
        "next_before": page[-1].size if more and page else None,
    }


NOTE_TYPE = "text/plain; charset=utf-8"


@router.get(
    "/ledger/checkpoints/latest",
    response=answers({200: CheckpointOut}),
    tags=["ledger"],
    openapi_extra={"responses": {200: {"content": {"text/plain": {"schema": {"type": "string"}}}}}},
)
@requires("audit.view")
def get_latest_checkpoint(request: HttpRequest) -> Any:
    """Return the latest signed checkpoint: JSON, or the signed note itself with `Accept: text/plain`."""
    checkpoint = checkpoints.latest()
    if checkpoint is None:
        raise NotFound("no checkpoint has been signed yet: POST /api/v1/ledger/checkpoints signs one")
    if _wants_text(request):
        return HttpResponse(checkpoint.note, content_type=NOTE_TYPE)
    return selectors.checkpoint_document(checkpoint)


@router.post("/ledger/checkpoints", response=answers({201: CheckpointOut, 200: CheckpointOut}), tags=["ledger"])
@requires("ledger.checkpoint")
def sign_checkpoint(request: HttpRequest) -> Status[dict[str, Any]]:
    """Sign a checkpoint of the current tree head now (201), or return the one already signed for it (200)."""
    before = Checkpoint.objects.filter(size=tree.size()).exists()
    checkpoint = checkpoints.sign_now(actor=user_of(request))
    return Status(200 if before else 201, selectors.checkpoint_document(checkpoint))


@router.get("/ledger/vkey", response=answers({200: VkeyOut}), tags=["ledger"])
@requires("audit.view")
def get_vkey(request: HttpRequest) -> dict[str, str]:
    """Return the C2SP verifier key of the server's signing key."""
    return {"vkey": keys.verifier_key(), "origin": keys.origin()}


# --- GMP records, generic over their type -------------------------------------------------------


@router.get("/records/{record_type}/{record_id}", response=answers({200: RecordOut}), tags=["records"])
@requires("records.view")
def get_record(request: HttpRequest, record_type: RecordType, record_id: RecordId) -> dict[str, Any]:
    """Return a GMP record: its audited snapshot, version, status and signatures (superseded ones marked)."""
    record = visible_record(request, record_type, record_id)
    return {**_record_document(record), "meanings_you_may_give": signing.allowed_meanings(user_of(request), record)}


@router.get("/records/{record_type}/{record_id}/history", response=answers({200: EntryPage}), tags=["records"])
@requires("records.view")
def get_record_history(
    request: HttpRequest, record_type: RecordType, record_id: RecordId, q: Query[EntryPageQuery]
) -> dict[str, Any]:
    """Return a record's audit trail (who, what, when, why, old → new), newest first."""
    record = visible_record(request, record_type, record_id)
    return _page(trail.history(record.record_type(), str(record.pk), before=q.before, limit=q.limit))


@router.post("/records/{record_type}/{record_id}/signatures", response=answers({201: SignatureOut}), tags=["records"])
@requires("records.sign")
def sign_record(
    request: HttpRequest, record_type: RecordType, record_id: RecordId, body: SignIn
) -> Status[dict[str, Any]]:
    """Sign the version of a record the signer saw; refused (and audited) if it is no longer current."""
    record = visible_record(request, record_type, record_id)
    # The signing service refuses a version that is not the stored one, and audits the refusal.
    record.version = body.version
    signer = user_of(request)
    sig = signing.sign(
        signer=signer,
        record=record,
        meaning=body.meaning,
        password=body.password,
        otp=body.otp,
        outcome=body.outcome,
        findings=body.findings,
    )
    shown = signatures.ShownSignature(signature=sig, label=signatures.MEANINGS[sig.meaning], superseded=False)
    return Status(201, _signature_document(shown))


# --- helpers ------------------------------------------------------------------------------------


def _selection(q: TrailQuery | TrailReviewIn) -> trail.TrailFilter:
    """Return the trail filter a query or a review names, or refuse it naming the field (trail.TrailFilter's rules)."""
    actor_id = selectors.actor_id_of(q.actor) if q.actor else None
    since, until = _time(q.since, "since"), _time(q.until, "until")
    try:
        return trail.TrailFilter(
            record_type=q.record_type or None,
            record_id=q.record_id or None,
            with_parts=q.with_parts,
            actor_id=actor_id,
            action=q.action or None,
            since=since,
            until=until,
        )
    except trail.FilterRefused as exc:
        raise BadRequest(exc.field, _FILTER_WORDS.get(exc.field, str(exc))) from None


# The API's words for trail.TrailFilter's refusals (its fields as the API names them).
_FILTER_WORDS = {"with_parts": "give the record_type and record_id of the record whose parts to include"}


def _time(value: str | None, name: str) -> Any:
    if not value:
        return None
    try:
        return trail.parse_time(value, name)
    except ValueError as exc:
        raise BadRequest(name, str(exc).removeprefix(f"{name}: ")) from None


def _page(page: trail.Page) -> dict[str, Any]:
    return {"entries": [trail.as_dict(e) for e in page.entries], "next_before": page.next_before}


def _wants_text(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/plain" in accept and "application/json" not in accept


def visible_record(request: HttpRequest, record_type: str, record_id: str) -> GmpRecord:
    """Return the record, or refuse as not found: unknown type, unknown id, or outside the user's sites."""
    model = records.model_for(record_type)
    if model is None:
        known = ", ".join(sorted(m.record_type() for m in records.gmp_models()))
        raise NotFound(f"there is no record type {record_type!r}; the types are: {known}")
    try:
        record = model._default_manager.filter(pk=record_id).first()
    except (ValueError, TypeError, ValidationError):
        record = None  # an id of the wrong shape for this type's key names no record
    if record is None or not services.can_see(user_of(request), record):
        raise NotFound(f"there is no record {record_type}:{record_id}")
    return record


def _record_document(record: GmpRecord) -> dict[str, Any]:
    return {
        "type": record.record_type(),
        "id": str(record.pk),
        "version": record.version,
        "status": record.status,
        "voided": record.voided,
        "created_at": rfc3339(record.created_at) if record.created_at else None,
        "created_by": record.created_by_id,  # type: ignore[attr-defined]
        "snapshot": record.snapshot(),
        "snapshot_hash": record.snapshot_hash(),
        "signatures": [_signature_document(s) for s in signatures.for_record(record)],
    }


def _signature_document(shown: signatures.ShownSignature) -> dict[str, Any]:
    sig = shown.signature
    return {
        "meaning": sig.meaning,
        "label": shown.label,
        "signer": {"id": sig.signer_id, "name": sig.signer_name},
        "signed_at": sig.signed_at,
        "record_version": sig.record_version,
        "snapshot_hash": sig.snapshot_hash,
        "entry_seq": sig.entry_seq,
        "server_signature": sig.server_signature,
        "superseded": shown.superseded,
    }
