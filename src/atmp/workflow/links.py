"""Links between any two GMP records: each an audited record, listed on both records' pages."""

from __future__ import annotations

from dataclasses import dataclass

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import Conflict, RecordVoided
from atmp.ledger.records import GmpRecord, model_for
from atmp.workflow.models import INVERSE_LABELS, Link, Relation

MAX_NOTE = 2000


def parse_key(text: str, *, field: str = "target") -> tuple[str, str]:
    """Return (type, id) of a record key such as 'quality.deviation:12', or refuse it naming the field."""
    record_type, sep, record_id = (text or "").strip().partition(":")
    if not sep or not record_type or not record_id.isdecimal():
        raise InvalidInput(field, f"{text!r} is not a record key like 'quality.deviation:12'")
    return record_type, record_id


def resolve(text: str, *, field: str = "target", user: User | None = None) -> GmpRecord:
    """Return the record a key names, or refuse an unknown type, id or (for the user) unseen record."""
    record_type, record_id = parse_key(text, field=field)
    model = model_for(record_type)
    if model is None:
        raise InvalidInput(field, f"there is no record type {record_type!r}")
    record = model._base_manager.filter(pk=int(record_id)).first()
    if record is None or (user is not None and not can_see(user, record)):
        raise InvalidInput(field, f"there is no record {record_type}:{record_id}")
    return record


def link(
    *,
    actor: User,
    source: GmpRecord,
    target: GmpRecord,
    relation: str,
    reason: str = "",
    note: str = "",
) -> Link:
    """Link source to target with a named relation, as an audited record (joins the caller's change)."""
    if relation not in Relation.values:
        raise InvalidInput("relation", f"{relation!r} is not a relation; one of: {', '.join(Relation.values)}")
    if len(note) > MAX_NOTE:
        raise InvalidInput("note", f"at most {MAX_NOTE} characters")
    if source.pk is None or target.pk is None:
        raise InvalidInput("target", "both records must be saved before they are linked")
    if source.record_type() == target.record_type() and source.pk == target.pk:
        raise InvalidInput("target", "a record is not linked to itself")
    for end, field in ((source, "source"), (target, "target")):
        if end.voided:
            raise RecordVoided(f"{field}: {end.record_key} is voided and takes no new links")
        if not can_see(actor, end):
            raise InvalidInput(field, f"there is no record {end.record_key}")
    if not actor.can(Link.write_permission):
        raise NotAllowed(f"your roles do not grant {Link.write_permission!r}")
    key = {
        "source_type": source.record_type(),
        "source_id": str(source.pk),
        "relation": relation,
        "target_type": target.record_type(),
        "target_id": str(target.pk),
    }
    with writer.change(actor=actor, reason=reason) as ch:
        if Link.objects.filter(**key, voided=False).exists():
            raise Conflict(f"{source.record_key} already {Relation(relation).label} {target.record_key}")
        new = Link(**key, note=note.strip())
        ch.save(new)
    return new


def unlink(*, actor: User, link_record: Link, reason: str) -> Link:
    """Remove a link by voiding it with a reason; the ledger keeps that it existed."""
    if not actor.can(Link.write_permission) or not can_see(actor, link_record):
        raise NotAllowed(f"your roles or sites do not allow changing {link_record.record_key}")
    with writer.change(actor=actor, reason=reason) as ch:
        link_record.voided = True
        ch.save(link_record)
    return link_record


@dataclass(frozen=True)
class ShownLink:
    """A link as a record's page shows it: how it reads from this record, and the other end."""

    link: Link
    reads: str
    other_type: str
    other_id: str
    other: GmpRecord | None

    @property
    def other_key(self) -> str:
        """Return the other record's key."""
        return f"{self.other_type}:{self.other_id}"


def for_record(record: GmpRecord, *, user: User | None = None) -> list[ShownLink]:
    """Return the record's live links both ways, outgoing first; ends the user cannot see are left out."""
    rtype, rid = record.record_type(), str(record.pk)
    outgoing = Link.objects.filter(source_type=rtype, source_id=rid, voided=False).order_by("pk")
    incoming = Link.objects.filter(target_type=rtype, target_id=rid, voided=False).order_by("pk")
    shown: list[ShownLink] = []
    for row in outgoing:
        other = _end(row.target_type, row.target_id)
        shown.append(ShownLink(row, Relation(row.relation).label, row.target_type, row.target_id, other))
    for row in incoming:
        other = _end(row.source_type, row.source_id)
        shown.append(ShownLink(row, INVERSE_LABELS[row.relation], row.source_type, row.source_id, other))
    if user is not None:
        shown = [s for s in shown if s.other is None or can_see(user, s.other)]
    return shown


def linked(record: GmpRecord, *, relation: str | None = None, target_type: str | None = None) -> list[GmpRecord]:
    """Return the records this record links to (outgoing), optionally of one relation or type."""
    rows = Link.objects.filter(source_type=record.record_type(), source_id=str(record.pk), voided=False)
    if relation:
        rows = rows.filter(relation=relation)
    if target_type:
        rows = rows.filter(target_type=target_type)
    found = [_end(r.target_type, r.target_id) for r in rows.order_by("pk")]
    return [r for r in found if r is not None]


def linking(record: GmpRecord, *, relation: str | None = None, source_type: str | None = None) -> list[GmpRecord]:
    """Return the records that link to this record (incoming), optionally of one relation or type."""
    rows = Link.objects.filter(target_type=record.record_type(), target_id=str(record.pk), voided=False)
    if relation:
        rows = rows.filter(relation=relation)
    if source_type:
        rows = rows.filter(source_type=source_type)
    found = [_end(r.source_type, r.source_id) for r in rows.order_by("pk")]
    return [r for r in found if r is not None]


def _end(record_type: str, record_id: str) -> GmpRecord | None:
    model = model_for(record_type)
    if model is None or not record_id.isdecimal():
        return None
    return model._base_manager.filter(pk=int(record_id)).first()
