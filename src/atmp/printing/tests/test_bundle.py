"""proofs.bundle: the files a printed record carries, checked against the ledger (SQLite and PostgreSQL)."""

import base64
import hashlib
import json

from atmp.ledger import checkpoints, keys, merkle
from atmp.ledger.models import AuditEntry, Checkpoint
from atmp.printing import proofs
from atmp.testing import rename_site


def _files(b: proofs.Bundle) -> dict[str, bytes]:
    return {a.name: a.data for a in b.attachments}


def test_it_carries_every_entry_of_the_record_in_seq_order(signed_site):
    files = _files(proofs.bundle(signed_site))
    lines = [json.loads(x) for x in files[proofs.ENTRIES].splitlines()]
    mine = AuditEntry.objects.filter(record_type="accounts.site", record_id=str(signed_site.pk))
    expected = list(mine.values_list("seq", flat=True))
    assert [e["seq"] for e in lines] == sorted(expected)
    assert {e["action"] for e in lines} == {"create", "update", "sign"}


def test_each_entry_line_is_the_canonical_body_its_hash_is_made_from(signed_site):
    for raw in _files(proofs.bundle(signed_site))[proofs.ENTRIES].splitlines():
        entry = json.loads(raw)
        body = {k: v for k, v in entry.items() if k != "hash"}
        canonical = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        assert hashlib.sha256(canonical).hexdigest() == entry["hash"]


def test_a_checkpoint_is_signed_when_the_latest_does_not_cover_the_record(signed_site):
    before = Checkpoint.objects.count()
    carried = proofs.bundle(signed_site)
    newest = AuditEntry.objects.filter(record_id=str(signed_site.pk), record_type="accounts.site").order_by("-seq")[0]
    assert Checkpoint.objects.count() == before + 1
    assert carried.checkpoint.size >= newest.seq
    assert AuditEntry.objects.filter(action="checkpoint", record_id=str(carried.checkpoint.size)).exists()


def test_the_latest_checkpoint_is_used_when_it_covers_the_record(signed_site, qa_reviewer):
    signed = checkpoints.sign_now()
    assert proofs.bundle(signed_site).checkpoint.size == signed.size
    assert Checkpoint.objects.count() == 1


def test_a_change_after_the_checkpoint_gets_a_newer_one(signed_site, qa_reviewer):
    first = checkpoints.sign_now()
    rename_site(signed_site, "Leiden later", actor=qa_reviewer)
    assert proofs.bundle(signed_site).checkpoint.size > first.size


def test_each_proof_reaches_the_signed_root(signed_site):
    carried = proofs.bundle(signed_site)
    files = _files(carried)
    opened = keys.verifier()
    from atmp.ledger import note

    cp = note.open_checkpoint(files[proofs.CHECKPOINT], opened)
    by_seq = {p["seq"]: p for p in json.loads(files[proofs.PROOFS])}
    for raw in files[proofs.ENTRIES].splitlines():
        entry = json.loads(raw)
        p = by_seq[entry["seq"]]
        assert base64.b64decode(p["leaf_hash"]) == merkle.leaf_hash(bytes.fromhex(entry["hash"]))
        assert merkle.verify_inclusion(
            index=p["index"],
            size=cp.size,
            leaf_hash=base64.b64decode(p["leaf_hash"]),
            proof=[base64.b64decode(h) for h in p["proof"]],
            root=cp.root,
        )


def test_the_snapshot_hashes_to_the_latest_entry_s_snapshot_hash(signed_site):
    files = _files(proofs.bundle(signed_site))
    last = [json.loads(x) for x in files[proofs.ENTRIES].splitlines() if json.loads(x)["snapshot_hash"]][-1]
    assert hashlib.sha256(files[proofs.SNAPSHOT]).hexdigest() == last["snapshot_hash"] == signed_site.snapshot_hash()


def test_the_manifest_names_the_record_and_the_verifier_key(signed_site):
    manifest = json.loads(_files(proofs.bundle(signed_site))[proofs.MANIFEST])
    assert manifest["record"] == {"type": "accounts.site", "id": str(signed_site.pk), "version": signed_site.version}
    assert manifest["verifier_key"]["vkey"] == keys.verifier_key()
    assert manifest["verifier_key"]["key_id"] == keys.verifier().key_id.hex()


def test_a_record_alone_keeps_format_1(signed_site):
    manifest = json.loads(_files(proofs.bundle(signed_site))[proofs.MANIFEST])
    assert manifest["format"] == proofs.FORMAT and "records" not in manifest


def test_with_members_every_record_s_entries_are_proven_against_one_checkpoint(signed_site, qa_reviewer):
    from atmp.testing import make_site

    other = make_site(actor=qa_reviewer)
    carried = proofs.bundle(signed_site, members=[other, signed_site])  # the record itself is not listed twice
    files = _files(carried)
    manifest = json.loads(files[proofs.MANIFEST])
    assert manifest["format"] == proofs.FORMAT_MEMBERS
    assert [(r["type"], r["id"]) for r in manifest["records"]] == [
        ("accounts.site", str(signed_site.pk)), ("accounts.site", str(other.pk))
    ]  # fmt: skip
    seqs = [json.loads(x)["seq"] for x in files[proofs.ENTRIES].splitlines()]
    assert seqs == sorted(seqs) == manifest["entries"]
    assert set(seqs) == {s for r in manifest["records"] for s in r["entries"]}
    assert {p["size"] for p in json.loads(files[proofs.PROOFS])} == {carried.checkpoint.size}
    member = manifest["records"][1]
    assert member["snapshot"] == proofs.snapshot_name(other)
    assert hashlib.sha256(files[member["snapshot"]]).hexdigest() == member["snapshot_hash"] == other.snapshot_hash()
