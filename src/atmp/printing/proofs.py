"""The proofs a printed record carries: its snapshot, its entries, their inclusion proofs and a signed checkpoint.

Every file is what the ledger itself holds, in the formats docs/ledger-format.md defines, so that
`python contrib/atmp_verify.py pdf FILE.pdf --vkey VKEY` checks them offline without atmp:
entries.jsonl is the JSON Lines export of the record's entries (each line the RFC 8785 body plus
its hash), proofs.json the RFC 9162 inclusion proof of each against the checkpoint, checkpoint.txt
that checkpoint's C2SP signed note, snapshot.json the record's audited fields in RFC 8785 form.

A record printed with its member records (a batch with its steps and entries, ADR 0021) carries the
same five files, in format 2: entries.jsonl holds the entries of every record, each proven against the
one checkpoint; the manifest lists the records, each with its entries and its own snapshot file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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
FORMAT_MEMBERS = "atmp-record-proofs/2"  # a record and its member records (ADR 0021)
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


def snapshot_name(record: GmpRecord) -> str:
    """Return the file name of a member record's snapshot, e.g. snapshot-manufacturing.batchstep-12.json."""
    return f"snapshot-{record.record_type()}-{record.pk}.json"


def bundle(record: GmpRecord, *, members: Sequence[GmpRecord] = (), actor: ActsInLedger | None = None) -> Bundle:
    """Return the record's snapshot, entries, inclusion proofs and checkpoint as files to embed.

    With members (the records the printed one is made of), the entries of all of them are proven
    against one checkpoint, and each record's snapshot is embedded: format 2 (ADR 0021).
    """
    records = [record, *[m for m in members if (m.record_type(), m.pk) != (record.record_type(), record.pk)]]
    own = {(r.record_type(), str(r.pk)): record_entries(r) for r in records}
    entries = sorted((e for found in own.values() for e in found), key=lambda e: e.seq)
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
    manifest: dict[str, Any] = {
        "format": FORMAT_MEMBERS if members else FORMAT,
        "record": {"type": record.record_type(), "id": str(record.pk), "version": record.version},
        "snapshot_hash": record.snapshot_hash(),
        "entries": [e.seq for e in entries],
    }
    if members:
        manifest["records"] = [
            {
                "type": r.record_type(),
                "id": str(r.pk),
                "version": r.version,
                "snapshot_hash": r.snapshot_hash(),
                "snapshot": SNAPSHOT if r is record else snapshot_name(r),
                "entries": [e.seq for e in own[(r.record_type(), str(r.pk))]],
            }
            for r in records
        ]
    manifest |= {
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
    every = f"{what} and its {len(records) - 1} member records" if members else what
    files = [
        Attachment(MANIFEST, _json(manifest), "application/json", f"What {every} carries and the key to check it with"),
        Attachment(
            SNAPSHOT,
            dumps(record.snapshot()),
            "application/json",
            f"{what} v{record.version}: its audited fields (RFC 8785)",
        ),
        Attachment(
            ENTRIES, lines, "application/jsonl", f"The {len(entries)} ledger entries of {every} (RFC 8785, one a line)"
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
    files += [
        Attachment(
            snapshot_name(r),
            dumps(r.snapshot()),
            "application/json",
            f"{r.record_type()}:{r.pk} v{r.version}: its audited fields (RFC 8785)",
        )
        for r in records[1:]
    ]
    return Bundle(attachments=files, manifest=manifest, checkpoint=checkpoint, entry_count=len(entries))


def _json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()
