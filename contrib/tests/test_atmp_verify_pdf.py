"""`contrib/atmp_verify.py pdf`: a record printed by atmp is checked offline from the files it embeds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pypdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from atmp.ledger import keys, note
from atmp.printing import proofs
from atmp.testing import RECORD_FACTORIES, make_signed_history
from atmp.web import record_page

SCRIPT = Path(__file__).resolve().parents[1] / "atmp_verify.py"
_spec = importlib.util.spec_from_file_location("atmp_verify_pdf", SCRIPT)
assert _spec is not None and _spec.loader is not None
av = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(av)


@pytest.fixture
def printed(site, qa_reviewer, qa_approver, tmp_path) -> Path:
    """A site with five changes and two approvals, printed as a PDF."""
    make_signed_history(site, editor=qa_reviewer, signer=qa_approver, changes=5, signatures=2)
    path = tmp_path / "site.pdf"
    path.write_bytes(record_page.record_pdf(qa_approver, site))
    return path


@pytest.fixture
def vkey(tmp_path) -> Path:
    path = tmp_path / "atmp.vkey"
    path.write_text(keys.verifier_key() + "\n")
    return path


def run(*args: str | Path, capsys) -> tuple[int, str, str]:
    code = av.main(["pdf", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def with_attachment(pdf: Path, name: str, change, out: Path) -> Path:
    """Write a copy of the PDF whose embedded file `name` is change(its bytes)."""
    writer = pypdf.PdfWriter(clone_from=pdf)
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    for label, spec in zip(names[::2], names[1::2], strict=True):
        if label == name:
            stream = spec.get_object()["/EF"]["/F"].get_object()
            stream.set_data(change(stream.get_data()))
    with out.open("wb") as f:
        writer.write(f)
    return out


def test_a_printed_record_verifies(printed, vkey, capsys):
    code, out, _ = run(printed, "--vkey", vkey, capsys=capsys)
    assert code == 0, out
    assert out.startswith("OK: accounts.site:") and "proven in the tree of" in out


def test_the_json_report_counts_the_entries(printed, vkey, capsys):
    code, out, _ = run(printed, "--vkey", keys.verifier_key(), "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["entries"] == 1 + 5 + 2 and report["failures"] == []


def test_the_pdf_the_web_page_gives_verifies_too(printed, vkey, capsys, qa_approver, site):
    from atmp.web.tests.conftest import signed_in

    response = signed_in(qa_approver).get(f"/records/accounts.site/{site.pk}/pdf")
    pdf = printed.with_name("web.pdf")
    pdf.write_bytes(response.content)
    assert run(pdf, "--vkey", vkey, capsys=capsys)[0] == 0


def test_one_changed_byte_in_an_entry_fails_naming_it(printed, vkey, tmp_path, capsys):
    def one_byte(data: bytes) -> bytes:
        assert data.count(b'"reason":"change 1"') == 1
        return data.replace(b'"reason":"change 1"', b'"reason":"change 7"')

    forged = with_attachment(printed, proofs.ENTRIES, one_byte, tmp_path / "forged.pdf")
    code, out, _ = run(forged, "--vkey", vkey, capsys=capsys)
    assert code == 1 and "FAIL hash seq" in out and out.rstrip().splitlines()[-1].startswith("FAILED")


def test_an_entry_rehashed_after_a_change_fails_at_its_proof(printed, vkey, tmp_path, capsys):
    import hashlib

    def rewrite(data: bytes) -> bytes:
        lines = data.splitlines()
        entry = json.loads(lines[1])
        entry["reason"] = "a better reason"
        body = {k: v for k, v in entry.items() if k != "hash"}
        entry["hash"] = hashlib.sha256(av.canonical(body).encode()).hexdigest()
        lines[1] = av.canonical(entry).encode()
        return b"\n".join(lines) + b"\n"

    forged = with_attachment(printed, proofs.ENTRIES, rewrite, tmp_path / "rehashed.pdf")
    code, out, _ = run(forged, "--vkey", vkey, capsys=capsys)
    assert code == 1 and "FAIL leaf seq" in out


def test_a_changed_snapshot_fails(printed, vkey, tmp_path, capsys):
    forged = with_attachment(printed, proofs.SNAPSHOT, lambda d: d.replace(b"#5", b"#6"), tmp_path / "snap.pdf")
    code, out, _ = run(forged, "--vkey", vkey, capsys=capsys)
    assert code == 1 and "FAIL snapshot" in out


def test_a_wrong_verifier_key_fails_the_checkpoint(printed, tmp_path, capsys):
    other = note.vkey(keys.origin(), Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    code, out, _ = run(printed, "--vkey", other, capsys=capsys)
    assert code == 1 and "FAIL checkpoint" in out


def test_a_pdf_without_the_proofs_is_bad_input(vkey, tmp_path, capsys):
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    plain = tmp_path / "plain.pdf"
    with plain.open("wb") as f:
        writer.write(f)
    code, _, err = run(plain, "--vkey", vkey, capsys=capsys)
    assert code == 2 and "not a record printed by atmp" in err


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\nnot really", b"hello"])
def test_a_file_that_is_not_a_pdf_is_bad_input(vkey, tmp_path, capsys, content):
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    code, _, err = run(path, "--vkey", vkey, capsys=capsys)
    assert code == 2 and err.startswith("atmp_verify: ") and "Traceback" not in err


def test_a_missing_file_or_key_is_bad_input(printed, tmp_path, capsys):
    assert run(tmp_path / "none.pdf", "--vkey", keys.verifier_key(), capsys=capsys)[0] == 2
    assert run(printed, "--vkey", tmp_path / "none.vkey", capsys=capsys)[0] == 2


def test_rfc9162_inclusion_agrees_with_the_ledger():
    from atmp.ledger import merkle

    leaves = [bytes([i]) * 32 for i in range(13)]
    for size in range(1, 14):
        root = merkle.root(leaves[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(leaves[:size], index)
            leaf = merkle.leaf_hash(leaves[index])
            assert av.inclusion_root(leaf, index, size, proof) == root
            if proof:
                flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
                assert av.inclusion_root(leaf, index, size, flipped) != root
            assert av.inclusion_root(leaf, size, size, proof) is None  # an index outside the tree


@pytest.mark.parametrize("record_type", sorted(RECORD_FACTORIES))
def test_the_proofs_printed_with_every_record_type_verify_offline(record_type, qa_approver):
    # What the PDF embeds, built as record_pdf builds it (rendering the page is tested above, once).
    record = RECORD_FACTORIES[record_type][0](qa_approver)
    files = {a.name: a.data for a in proofs.bundle(record, actor=qa_approver).attachments}

    report = av.verify_pdf(files, av.read_vkey(keys.verifier_key()))

    assert report["ok"], report["failures"]
    assert report["record"] == record.record_key and report["entries"] >= 1


# A record printed with its member records (format 2, ADR 0021): checked without rendering a page.
@pytest.fixture
def members(site, qa_reviewer, qa_approver):
    """A site printed with two other sites as its members, each with a history of its own."""
    from atmp.testing import make_site, rename_site

    others = [make_site(actor=qa_reviewer), make_site(actor=qa_reviewer)]
    rename_site(others[0], "Renamed", actor=qa_reviewer)
    make_signed_history(site, editor=qa_reviewer, signer=qa_approver, changes=1, signatures=1)
    return {a.name: a.data for a in proofs.bundle(site, members=others).attachments}


def test_a_record_and_its_members_verify_together(members):
    report = av.verify_pdf(members, av.read_vkey(keys.verifier_key()))
    assert report["ok"], report["failures"]
    assert report["records"] == 3 and report["entries"] == 1 + 1 + 1 + 1 + 1 + 1  # 3 creates, 2 changes, 1 sign


def test_a_changed_member_snapshot_fails_naming_its_file(members):
    name = next(n for n in members if n.startswith("snapshot-accounts.site-"))
    members[name] = members[name].replace(b'"', b"'", 1)
    report = av.verify_pdf(members, av.read_vkey(keys.verifier_key()))
    assert not report["ok"] and any(f["kind"] == "snapshot" and name in f["detail"] for f in report["failures"])


def test_an_entry_of_a_record_the_manifest_does_not_list_fails(members):
    manifest = json.loads(members[proofs.MANIFEST])
    dropped = manifest["records"].pop()
    members[proofs.MANIFEST] = json.dumps(manifest).encode()
    report = av.verify_pdf(members, av.read_vkey(keys.verifier_key()))
    assert not report["ok"]
    key = f"{dropped['type']}:{dropped['id']}"
    assert any(f["kind"] == "record" and key in f["detail"] for f in report["failures"])


def test_an_unknown_format_fails_the_manifest(members):
    manifest = json.loads(members[proofs.MANIFEST])
    manifest["format"] = "atmp-record-proofs/9"
    members[proofs.MANIFEST] = json.dumps(manifest).encode()
    report = av.verify_pdf(members, av.read_vkey(keys.verifier_key()))
    assert not report["ok"] and report["failures"][0]["kind"] == "manifest"
