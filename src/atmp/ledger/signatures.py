"""Electronic signatures bound to a record version, recorded in the ledger, counter-signed by the server.

Part 11 §11.50 (manifestation: printed name, date and time, meaning), §11.70 (a signature cannot
be excised, copied or moved: the server's counter-signature covers the record type, id, version
and snapshot hash), Annex 11 §14.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db.models import F

from atmp.ledger import keys, reviews
from atmp.ledger.canonical import MAX_SAFE_INTEGER, dumps
from atmp.ledger.errors import SignatureRefused
from atmp.ledger.models import AuditEntry, AuditTrailReview, Signature
from atmp.ledger.records import GmpRecord
from atmp.ledger.writer import Change

# Stored values never change; labels are what the manifestation prints.
MEANINGS: dict[str, str] = {
    "authored": "Authored",
    "reviewed": "Reviewed",
    "approved": "Approved",
    "verified": "Verified",
    "qp_certified": "QP certified",
    "audit_trail_reviewed": "Audit trail reviewed",
    # A trainee's read-and-understood of an effective controlled document (EU GMP Chapter 2 §2.11),
    # given on their own training record (atmp.quality.models.documents.TrainingRecord).
    "read_understood": "Read and understood",
    # QA's release of a lot from quarantine for use (EU GMP Part IV ch. 7, Starting and raw materials), given on the lot
    # (atmp.trace.models.lots.Lot) by the transition that releases it.
    "released": "Released",
}
# Segregation of duties (EU GMP Ch. 1 §1.4, Ch. 4; Part 11 §11.10(g); ADR 0005): a meaning that
# vouches for someone else's work. Whoever authored a version (changed the record, or signed it
# 'authored') cannot give one of these to it. 'audit_trail_reviewed' is not among them: the
# reviewer starts the review record and signs it; its independence is from the entries it covers
# (reviews.own_entries).
INDEPENDENT_MEANINGS = frozenset({"verified", "reviewed", "approved", "qp_certified", "released"})
# An import (trace's migration from an ERP or LIMS, docs/adr/0016) creates a record as the source
# system had it, its status included: the importer authors that first version.
IMPORTED = "import"
AUTHORING_ACTIONS = ("create", IMPORTED, "update", "void")
# A workflow transition (atmp.workflow) writes a new version that changes only the workflow's own
# fields (status, assignment): it authors nothing and supersedes no signature (docs/adr/0011).
WORKFLOW_ACTIONS = ("transition", "assign")
VERSIONING_ACTIONS = AUTHORING_ACTIONS + WORKFLOW_ACTIONS
REVIEW_TYPE = "ledger.audittrailreview"
DOMAIN = b"atmp-signature-v1\n"  # separates counter-signatures from checkpoint notes made with the same key


def manifest(sig: Signature) -> dict[str, Any]:
    """Return the fields the server's counter-signature covers."""
    return {
        "entry_seq": sig.entry_seq,
        "meaning": sig.meaning,
        "record": {"id": sig.record_id, "type": sig.record_type, "version": sig.record_version},
        "signed_at": sig.signed_at,
        "signer": {"id": sig.signer_id, "name": sig.signer_name},
        "snapshot_hash": sig.snapshot_hash,
    }


_quote = json.encoder.encode_basestring  # ECMAScript's string escaping, as canonical.dumps uses it


def manifest_bytes(
    *,
    entry_seq: Any,
    meaning: Any,
    record_id: Any,
    record_type: Any,
    record_version: Any,
    signed_at: Any,
    signer_id: Any,
    signer_name: Any,
    snapshot_hash: Any,
) -> bytes:
    """Return the RFC 8785 bytes of a manifest from its stored values (`atmp verify` checks 50,000 a run).

    Spliced like canonical.entry_bytes when the values have the stored types; anything else goes
    through canonical.dumps, which serialises or refuses it. src/atmp/ledger/tests/test_signature_manifest.py
    proves both equal the reference package.
    """
    numbers = (entry_seq, record_version, signer_id)
    texts = (meaning, record_id, record_type, signed_at, signer_name, snapshot_hash)
    if all(type(n) is int and -MAX_SAFE_INTEGER <= n <= MAX_SAFE_INTEGER for n in numbers) and all(
        type(t) is str for t in texts
    ):
        text = (
            f'{{"entry_seq":{entry_seq},"meaning":{_quote(meaning)},"record":{{"id":{_quote(record_id)},'
            f'"type":{_quote(record_type)},"version":{record_version}}},"signed_at":{_quote(signed_at)},'
            f'"signer":{{"id":{signer_id},"name":{_quote(signer_name)}}},"snapshot_hash":{_quote(snapshot_hash)}}}'
        )
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: dumps refuses it, naming where it is
    return dumps(
        {
            "entry_seq": entry_seq,
            "meaning": meaning,
            "record": {"id": record_id, "type": record_type, "version": record_version},
            "signed_at": signed_at,
            "signer": {"id": signer_id, "name": signer_name},
            "snapshot_hash": snapshot_hash,
        }
    )


def counter_signed_bytes(sig: Signature) -> bytes:
    """Return the bytes the server's counter-signature is over: the domain and the canonical manifest."""
    return DOMAIN + manifest_bytes(
        entry_seq=sig.entry_seq,
        meaning=sig.meaning,
        record_id=sig.record_id,
        record_type=sig.record_type,
        record_version=sig.record_version,
        signed_at=sig.signed_at,
        signer_id=sig.signer_id,
        signer_name=sig.signer_name,
        snapshot_hash=sig.snapshot_hash,
    )


def counter_sign(sig: Signature) -> str:
    """Return the server's base64 Ed25519 signature over the manifest."""
    return base64.b64encode(keys.private_key().sign(counter_signed_bytes(sig))).decode()


def counter_signature_holds(sig: Signature, public_key: Ed25519PublicKey) -> bool:
    """Return True when the stored counter-signature matches the stored manifest."""
    try:
        public_key.verify(base64.b64decode(sig.server_signature, validate=True), counter_signed_bytes(sig))
    except (InvalidSignature, ValueError):
        return False
    return True


def authors_of(record_type: str, versions: Mapping[str, int], *, who: int | None = None) -> dict[str, set[int]]:
    """Return, per record id, the ids of who authored it up to that version: changed it, or signed it 'authored'.

    The one definition of an author (segregation of duties, ADR 0005): check_can_sign asks it about
    the version being signed, the work list about a page of records at once (two queries for all),
    narrowed to one person with `who`. The version bound leaves out an author of a later version
    than the one asked about; for records read as they stand (the work list) it changes nothing.
    """
    found: dict[str, set[int]] = {record_id: set() for record_id in versions}
    if not found:
        return found
    key: dict[str, Any] = {"record_type": record_type, "record_id__in": list(found)}
    key["record_version__lte"] = max(versions.values())  # coarse in SQL; each record's own bound below
    changed = AuditEntry.objects.filter(**key, action__in=AUTHORING_ACTIONS, actor_id__isnull=False)
    signed = Signature.objects.filter(**key, meaning="authored")
    if who is not None:
        # `actor_id + 0`: compared as an expression, so the planner looks the records up by their index
        # (ledger_entry_record) instead of walking every entry of the actor (ledger_entry_actor_at): a busy
        # QA Approver has 100,000 entries after ten years, and SQLite chose that walk (bench/qms.py).
        changed = changed.alias(by=F("actor_id") + 0).filter(by=who)
        signed = signed.filter(signer_id=who)
    rows = list(changed.values_list("record_id", "record_version", "actor_id").distinct())
    rows += signed.values_list("record_id", "record_version", "signer_id").distinct()
    for record_id, version, person in rows:
        if version is not None and person is not None and version <= versions.get(str(record_id), 0):
            found[str(record_id)].add(int(person))
    return found


def authors(record: GmpRecord) -> set[int]:
    """Return the ids of who authored the record's current version: changed it, or signed it 'authored'."""
    return authors_of(record.record_type(), {str(record.pk): record.version})[str(record.pk)]


def check_can_sign(*, signer_id: int, record: GmpRecord, meaning: str) -> None:
    """Refuse a signature that GMP forbids, naming the rule (the ledger's part: who did what to the record).

    The signer's roles, permissions and sites are atmp.accounts.signing's part; it calls this.
    """
    if meaning not in MEANINGS:
        raise SignatureRefused(f"meaning {meaning!r} is unknown; use one of: {', '.join(MEANINGS)}")
    if record.voided:
        raise SignatureRefused(f"{record.record_key} is voided: a voided record cannot be signed")
    label = MEANINGS[meaning]
    given = Signature.objects.filter(
        record_type=record.record_type(), record_id=str(record.pk), record_version=record.version
    ).values_list("meaning", "signer_id")
    if any(m == meaning for m, _ in given):
        raise SignatureRefused(f"{record.record_key} version {record.version} already carries a '{label}' signature")
    authored_by = authors(record)
    if meaning == "authored" and signer_id not in authored_by:
        raise SignatureRefused(
            f"{record.record_key}: only someone who created or changed a record may sign it 'Authored'"
        )
    if meaning in INDEPENDENT_MEANINGS and signer_id in authored_by:
        raise SignatureRefused(
            f"segregation of duties: you authored {record.record_key}, so you cannot sign it as "
            f"'{label}' (EU GMP Chapter 1/4; Part 11 §11.10)"
        )
    mine = [m for m, who in given if who == signer_id]
    if mine:
        raise SignatureRefused(
            f"segregation of duties: you signed version {record.version} of {record.record_key} as "
            f"'{MEANINGS.get(mine[0], mine[0])}' already; one person gives one meaning per version"
        )
    if signer_id in record.subject_user_ids():
        raise SignatureRefused(
            f"segregation of duties: {record.record_key} is about yourself, and nobody signs a record "
            "about themselves (their own account or roles)"
        )
    if isinstance(record, AuditTrailReview):
        own = reviews.own_entries(record, signer_id)
        if own:
            raise SignatureRefused(
                f"segregation of duties: {record.record_key} covers {own} of your own entries, and "
                "nobody reviews their own work; start a review that leaves them out"
            )


def apply(ch: Change, *, record: GmpRecord, meaning: str) -> Signature:
    """Sign the record's current version as the change's actor; the caller has re-authenticated them."""
    if ch.actor.id is None:
        raise SignatureRefused("atmp itself cannot sign records")
    stored = type(record)._base_manager.get(pk=record.pk)
    if stored.version != record.version:
        raise SignatureRefused(
            f"{record.record_key}: you are signing version {record.version} but version {stored.version} is current"
        )
    check_can_sign(signer_id=ch.actor.id, record=stored, meaning=meaning)
    snapshot_hash = stored.snapshot_hash()
    entry = ch.event(
        action="sign",
        record_type=stored.record_type(),
        record_id=str(stored.pk),
        record_version=stored.version,
        changes={"meaning": [None, meaning], "signer": [None, ch.actor.name]},
        snapshot_hash=snapshot_hash,
    )
    sig = Signature(
        record_type=stored.record_type(),
        record_id=str(stored.pk),
        record_version=stored.version,
        snapshot_hash=snapshot_hash,
        meaning=meaning,
        signer_id=ch.actor.id,
        signer_name=ch.actor.name,
        signed_at=entry.at,
        entry_seq=entry.seq,
    )
    sig.server_signature = counter_sign(sig)
    sig.save(force_insert=True)
    return sig


@dataclass(frozen=True)
class ShownSignature:
    """A signature as a page shows it: the manifestation and whether a later change superseded it."""

    signature: Signature
    label: str
    superseded: bool


def content_version(record: GmpRecord) -> int:
    """Return the record's latest version whose content someone authored (created, changed or voided).

    A version written by a workflow transition changes only status and assignment, so a signature
    bound to it, or to the content version before it, still vouches for the current content.
    """
    from django.db.models import Max

    latest = AuditEntry.objects.filter(
        record_type=record.record_type(), record_id=str(record.pk), action__in=AUTHORING_ACTIONS
    ).aggregate(v=Max("record_version"))["v"]
    return int(latest or 0)


def is_superseded(sig: Signature, *, content: int) -> bool:
    """Return True when the record's content changed after the signed version."""
    return content > sig.record_version


def for_record(record: GmpRecord) -> list[ShownSignature]:
    """Return the record's signatures, newest first, each marked superseded if its content changed since."""
    return for_records([record]).get(record.pk, [])


def for_records(records: Sequence[GmpRecord]) -> dict[Any, list[ShownSignature]]:
    """Return for_record of each record of one type, by primary key, in two queries for all of them."""
    from django.db.models import Max

    if not records:
        return {}
    record_type = records[0].record_type()
    by_id = {str(r.pk): r.pk for r in records}
    signed: dict[str, list[Signature]] = {}
    for sig in Signature.objects.filter(record_type=record_type, record_id__in=list(by_id)).order_by("-entry_seq"):
        signed.setdefault(sig.record_id, []).append(sig)
    if not signed:
        return {}
    # Each signed record's content version, as content_version reads it for one.
    authored = AuditEntry.objects.filter(
        record_type=record_type, record_id__in=list(signed), action__in=AUTHORING_ACTIONS
    )
    content = dict(
        authored.order_by().values("record_id").annotate(v=Max("record_version")).values_list("record_id", "v")
    )
    return {
        by_id[record_id]: [
            ShownSignature(
                signature=sig,
                label=MEANINGS.get(sig.meaning, sig.meaning),
                superseded=is_superseded(sig, content=int(content.get(record_id) or 0)),
            )
            for sig in sigs
        ]
        for record_id, sigs in signed.items()
    }


def current(record: GmpRecord, meaning: str) -> list[Signature]:
    """Return the record's signatures of this meaning that no later content change superseded."""
    return [s.signature for s in for_record(record) if s.signature.meaning == meaning and not s.superseded]
