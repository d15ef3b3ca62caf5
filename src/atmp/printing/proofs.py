"""The proofs a printed record carries: its snapshot, its entries, their inclusion proofs and a signed checkpoint.

Every file is what the ledger itself holds, in the formats docs/ledger-format.md defines, so that
`python contrib/atmp_verify.py pdf FILE.pdf --vkey VKEY` checks them offline without atmp:
entries.jsonl is the JSON Lines export of the record's entries (each line the RFC 8785 body plus
its hash), proofs.json the RFC 9162 inclusion proof of each against the checkpoint, checkpoint.txt
that checkpoint's C2SP signed note, snapshot.json the record's audited fields in RFC 8785 form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from atmp.ledger import checkpoints, keys, merkle, note, selectors, trail, tree
from atmp.ledger.actors import ActsInLedger
from atmp.ledger.canonical import dumps
from atmp.ledger.export import jsonl_line
from atmp.ledger.models import AuditEntry, Checkpoint
from atmp.ledger.records import GmpRecord
from atmp.printing.pdf import Attachment

FORMAT = "atmp-record-proofs/1"
MANIFEST = "manifest.json"
SNAPSHOT = "snapshot.json"
ENTRIES = "entries.jsonl"
PROOFS = "proofs.json"
CHECKPOINT = "checkpoint.txt"


@dataclass(frozen=True)
class Bundle:
    """What a printed record embeds, and the facts its pages print about it."""

    attachments: list[Attachment]
    manifest: dict[str, Any]
    checkpoint: Checkpoint
    entry_count: int


def record_entries(record: GmpRecord) -> list[AuditEntry]:
    """Return every ledger entry about the record, oldest first."""
    f = trail.TrailFilter(record_type=record.record_type(), record_id=str(record.pk))
    return list(trail.filtered(f).order_by("seq"))


def covering_checkpoint(newest_seq: int, *, actor: ActsInLedger | None) -> Checkpoint:
    """Return the latest checkpoint, signing one first when it does not cover entry newest_seq."""
    latest = checkpoints.latest()
    if latest is not None and latest.size >= newest_seq:
        return latest
    # The same service as `atmp ledger checkpoint` and `atmp tick`: one more audited checkpoint entry.
    return checkpoints.sign_now(actor=actor)


def bundle(record: GmpRecord, *, actor: ActsInLedger | None = None) -> Bundle:
    """Return the record's snapshot, entries, inclusion proofs and checkpoint as files to embed."""
    entries = record_entries(record)
    checkpoint = covering_checkpoint(entries[-1].seq if entries else 0, actor=actor)
    size = checkpoint.size
    lines = b"".join(jsonl_line(tuple(getattr(e, c) for c in selectors.ENTRY_COLUMNS)) for e in entries)
    proofs = [
        {
            "seq": e.seq,
            "index": e.seq - 1,
            "size": size,
            "leaf_hash": selectors.b64(merkle.leaf_hash(bytes.fromhex(e.hash))),
            "proof": [selectors.b64(p) for p in tree.inclusion_proof(e.seq, size)],
        }
        for e in entries
    ]
    verifier = note.parse_vkey(keys.verifier_key())
    manifest = {
        "format": FORMAT,
        "record": {"type": record.record_type(), "id": str(record.pk), "version": record.version},
        "snapshot_hash": record.snapshot_hash(),
        "entries": [e.seq for e in entries],
        "checkpoint": {
            "size": size,
            "root": selectors.b64(bytes.fromhex(checkpoint.root)),
            "signed_at": checkpoint.signed_at,
        },
        "verifier_key": {"name": verifier.name, "key_id": verifier.key_id.hex(), "vkey": keys.verifier_key()},
        "files": {
            "snapshot": SNAPSHOT,
            "entries": ENTRIES,
            "proofs": PROOFS,
            "checkpoint": CHECKPOINT,
        },
    }
    what = f"{record.record_type()}:{record.pk}"
    files = [
        Attachment(MANIFEST, _json(manifest), "application/json", f"What {what} carries and the key to check it with"),
        Attachment(
            SNAPSHOT,
            dumps(record.snapshot()),
            "application/json",
            f"{what} v{record.version}: its audited fields (RFC 8785)",
        ),
        Attachment(
            ENTRIES, lines, "application/jsonl", f"The {len(entries)} ledger entries of {what} (RFC 8785, one a line)"
        ),
        Attachment(
            PROOFS,
            _json(proofs),
            "application/json",
            f"RFC 9162 inclusion proof of each entry in the tree of {size} entries",
        ),
        Attachment(
            CHECKPOINT,
            checkpoint.note.encode(),
            "text/plain",
            f"Signed checkpoint (C2SP signed note) of the tree of {size} entries",
        ),
    ]
    return Bundle(attachments=files, manifest=manifest, checkpoint=checkpoint, entry_count=len(entries))


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()
