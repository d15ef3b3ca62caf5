"""`atmp ledger …`: checkpoints, the verifier key, inclusion and consistency proofs an auditor can check."""

from __future__ import annotations

import base64
import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger import checkpoints, keys, merkle, note, tree
from atmp.ledger.models import AuditEntry, Checkpoint
from atmp.testing import make_site

pytestmark = pytest.mark.django_db

INCLUSION_KEYS = ["seq", "index", "size", "leaf_hash", "root", "proof"]
CONSISTENCY_KEYS = ["old_size", "new_size", "old_root", "new_root", "proof"]


def atmp(*args: str, code: int = 0) -> str:
    """Run `atmp ARGS` in this process; assert its exit code and return stdout (stderr when it failed)."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.stderr


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


@pytest.fixture
def sites(qa_reviewer):
    return [make_site(actor=qa_reviewer, code=f"P{i}") for i in range(9)]


# --- checkpoints and the verifier key -----------------------------------------------------------


def test_vkey_prints_the_verifier_key():
    assert atmp("ledger", "vkey").strip() == keys.verifier_key()
    note.parse_vkey(keys.verifier_key())


def test_checkpoint_signs_the_current_head_and_prints_the_note(sites):
    size = tree.size()
    printed = atmp("ledger", "checkpoint")
    opened = note.open_checkpoint(printed, keys.verifier())
    assert (opened.size, opened.root) == (size, tree.root(size))
    assert Checkpoint.objects.get(size=size).note == printed


def test_checkpoint_writes_the_note_to_a_file(sites, tmp_path):
    out = tmp_path / "head.checkpoint"
    result = CliRunner().invoke(main, ["ledger", "checkpoint", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"size", "root", "signed_at", "note"}
    assert out.read_text() == document["note"] and f"written to {out}" in result.stderr


def test_checkpoints_lists_them_and_exports_one_file_each(sites, tmp_path):
    first = checkpoints.sign_now()
    make_site(code="P-later")
    last = checkpoints.sign_now()
    listed = json.loads(atmp("ledger", "checkpoints", "--json"))
    assert [c["size"] for c in listed] == [first.size, last.size]
    assert unb64(listed[0]["root"]).hex() == first.root
    assert str(first.size) in atmp("ledger", "checkpoints")
    atmp("ledger", "checkpoints", "--export", str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s}.checkpoint" for s in (first.size, last.size))
    assert (tmp_path / f"{last.size}.checkpoint").read_text() == last.note


def test_checkpoints_says_when_there_are_none():
    assert "no checkpoints yet" in atmp("ledger", "checkpoints")


# --- inclusion proofs ---------------------------------------------------------------------------------


def assert_proves_inclusion(document: dict) -> None:
    assert list(document) == INCLUSION_KEYS
    entry = AuditEntry.objects.get(seq=document["seq"])
    assert unb64(document["leaf_hash"]) == merkle.leaf_hash(bytes.fromhex(entry.hash))
    assert document["index"] == document["seq"] - 1
    assert merkle.verify_inclusion(
        index=document["index"],
        size=document["size"],
        leaf_hash=unb64(document["leaf_hash"]),
        proof=[unb64(p) for p in document["proof"]],
        root=unb64(document["root"]),
    )


def test_prove_is_against_the_latest_checkpoint_whose_root_is_signed(sites):
    signed = checkpoints.sign_now()
    make_site(code="P-after")
    document = json.loads(atmp("ledger", "prove", "3", "--json"))
    assert_proves_inclusion(document)
    assert document["size"] == signed.size and unb64(document["root"]).hex() == signed.root


def test_prove_without_a_checkpoint_is_against_the_current_head(sites):
    document = json.loads(atmp("ledger", "prove", "4", "--json"))
    assert_proves_inclusion(document)
    assert document["size"] == tree.size()


def test_prove_an_entry_newer_than_the_latest_checkpoint_is_against_the_head(sites):
    checkpoints.sign_now()
    newest = make_site(code="P-new")
    seq = AuditEntry.objects.get(record_type="accounts.site", record_id=str(newest.pk)).seq
    document = json.loads(atmp("ledger", "prove", str(seq), "--json"))
    assert_proves_inclusion(document)
    assert document["size"] == tree.size()


@pytest.mark.parametrize("seq", [1, 5, 9])
def test_prove_at_a_given_size(sites, seq):
    document = json.loads(atmp("ledger", "prove", str(seq), "--size", "9", "--json"))
    assert_proves_inclusion(document)
    assert document["size"] == 9


def test_prove_prints_a_readable_proof(sites):
    text = atmp("ledger", "prove", "2")
    assert "entry 2 (leaf index 1)" in text and "root:" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0"], "there is no ledger entry 0"),
        (["999"], "there is no ledger entry 999"),
        (["3", "--size", "999"], "tree size 999 is out of range"),
        (["5", "--size", "2"], "entry 5 is not in a tree of 2 entries"),
        (["x"], "'SEQ'"),
    ],
)
def test_prove_refuses_what_cannot_be_proven(sites, args, message):
    assert message in atmp("ledger", "prove", *args, code=2)


# --- consistency proofs ---------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new"), [(1, 9), (4, 9), (7, 10), (0, 5), (9, 9)])
def test_consistency_proves_the_newer_tree_extends_the_older(sites, old, new):
    document = json.loads(atmp("ledger", "consistency", str(old), str(new), "--json"))
    assert list(document) == CONSISTENCY_KEYS
    assert (document["old_size"], document["new_size"]) == (old, new)
    assert unb64(document["old_root"]) == tree.root(old) and unb64(document["new_root"]) == tree.root(new)
    assert merkle.verify_consistency(
        old_size=old,
        new_size=new,
        old_root=unb64(document["old_root"]),
        new_root=unb64(document["new_root"]),
        proof=[unb64(p) for p in document["proof"]],
    )


def test_consistency_prints_a_readable_proof(sites):
    assert "extends the tree of 3" in atmp("ledger", "consistency", "3", "8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["8", "3"], "the old size must not exceed the new"),
        (["3", "999"], "tree size 999 is out of range"),
        (["--", "-1", "3"], "no consistency proof from -1"),
    ],
)
def test_consistency_refuses_sizes_that_cannot_be_proven(sites, args, message):
    assert message in atmp("ledger", "consistency", *args, code=2)


# --- end to end, with committed data in a database of its own -------------------------------------


def test_the_commands_work_end_to_end_on_a_fresh_ledger(tmp_path, settings):
    from tests.helpers import postgres_ledger, run_atmp, sqlite_ledger

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        with postgres_ledger(tmp_path) as ledger:
            _round_trip(ledger, run_atmp, tmp_path)
    else:
        _round_trip(sqlite_ledger(tmp_path), run_atmp, tmp_path)


def _round_trip(ledger, run_atmp, tmp_path) -> None:
    import subprocess
    import sys
    from pathlib import Path

    proc = ledger.writer(count=12, tag="E2E")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    note_file = tmp_path / "head.checkpoint"
    run_atmp(["ledger", "checkpoint", "--out", str(note_file)], ledger.env)
    run_atmp(["ledger", "checkpoints", "--export", str(tmp_path / "kept")], ledger.env)
    run_atmp(["ledger", "export", "--out", str(tmp_path / "ledger.jsonl")], ledger.env)
    vkey = run_atmp(["ledger", "vkey"], ledger.env).stdout.strip()
    assert vkey == ledger.vkey

    report = json.loads(run_atmp(["verify", "--json", "--checkpoints", str(tmp_path / "kept")], ledger.env).stdout)
    assert report["ok"] is True and report["checkpoint_files"] == 1 and report["records"] >= 12
    proof = json.loads(run_atmp(["ledger", "prove", "5", "--json"], ledger.env).stdout)
    assert merkle.verify_inclusion(
        index=4, size=proof["size"], leaf_hash=unb64(proof["leaf_hash"]),
        proof=[unb64(p) for p in proof["proof"]], root=unb64(proof["root"]),
    )  # fmt: skip
    contrib = Path(__file__).resolve().parents[4] / "contrib" / "atmp_verify.py"
    independent = subprocess.run(
        [sys.executable, str(contrib), str(tmp_path / "ledger.jsonl"), "--checkpoints", str(tmp_path / "kept"),
         "--vkey", vkey],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert independent.returncode == 0, independent.stdout + independent.stderr
    missing = run_atmp(["verify", "--checkpoints", str(tmp_path / "nowhere")], ledger.env, check=False)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
