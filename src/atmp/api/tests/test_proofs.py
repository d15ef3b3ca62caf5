"""Inclusion and consistency proofs that an auditor verifies with nothing of atmp but the math."""

from __future__ import annotations

import base64

import pytest

from atmp.ledger import checkpoints, merkle
from atmp.testing import make_site

pytestmark = pytest.mark.django_db


def b(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
def ledger(qa_reviewer):
    for n in range(5):
        make_site(actor=qa_reviewer, code=f"S{n:02d}")


def test_an_inclusion_proof_verifies_against_its_root(as_inspector, ledger):
    doc = as_inspector.get("/ledger/entries/3/proof", size=6).json()
    assert (doc["seq"], doc["index"], doc["size"]) == (3, 2, 6)
    assert merkle.verify_inclusion(
        index=doc["index"], size=doc["size"], leaf_hash=b(doc["leaf_hash"]),
        proof=[b(p) for p in doc["proof"]], root=b(doc["root"]),
    )  # fmt: skip


def test_without_a_size_the_proof_is_against_the_latest_checkpoint(as_inspector, ledger):
    checkpoint = checkpoints.sign_now()
    doc = as_inspector.get("/ledger/entries/2/proof").json()
    assert doc["size"] == checkpoint.size
    assert b(doc["root"]).hex() == checkpoint.root


def test_a_proof_for_a_size_below_the_entry_is_404(as_inspector, ledger):
    assert as_inspector.get("/ledger/entries/5/proof", size=3).status_code == 404


def test_a_consistency_proof_verifies(as_inspector, ledger):
    doc = as_inspector.get("/ledger/consistency", old=2, new=6).json()
    assert merkle.verify_consistency(
        old_size=2, new_size=6, old_root=b(doc["old_root"]), new_root=b(doc["new_root"]),
        proof=[b(p) for p in doc["proof"]],
    )  # fmt: skip


def test_a_consistency_proof_needs_both_sizes(as_inspector, ledger):
    response = as_inspector.get("/ledger/consistency", old=2)
    assert response.status_code == 400 and response.json()["field"] == "new"


def test_a_consistency_proof_backwards_or_beyond_the_head_is_404(as_inspector, ledger):
    assert as_inspector.get("/ledger/consistency", old=4, new=2).status_code == 404
    assert as_inspector.get("/ledger/consistency", old=1, new=10**6).status_code == 404
