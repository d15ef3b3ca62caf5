"""Checkpoints: list, latest (JSON or the signed note), sign on demand, and the verifier key."""

from __future__ import annotations

import pytest

from atmp.ledger import keys, note
from atmp.ledger.models import AuditEntry, Checkpoint

pytestmark = pytest.mark.django_db


def test_signing_a_checkpoint_needs_ledger_checkpoint(as_operator, site):
    response = as_operator.post("/ledger/checkpoints")
    assert response.status_code == 403
    assert "ledger.checkpoint" in response.json()["detail"]


def test_a_qa_reviewer_signs_a_checkpoint_and_the_ledger_records_it(as_reviewer, qa_reviewer, site):
    response = as_reviewer.post("/ledger/checkpoints")
    assert response.status_code == 201
    doc = response.json()
    opened = note.open_checkpoint(doc["note"], keys.verifier())
    assert opened.size == doc["size"]
    entry = AuditEntry.objects.get(action="checkpoint", record_id=str(doc["size"]))
    assert entry.actor_id == qa_reviewer.pk


def test_the_latest_checkpoint_comes_as_json_or_as_the_signed_note(as_inspector, as_reviewer, site):
    as_reviewer.post("/ledger/checkpoints")
    as_reviewer.post("/ledger/checkpoints")
    latest = Checkpoint.objects.order_by("-size").first()
    assert as_inspector.get("/ledger/checkpoints/latest").json()["size"] == latest.size
    text = as_inspector.client.get("/api/v1/ledger/checkpoints/latest", headers={"Accept": "text/plain"})
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode() == latest.note


def test_there_is_no_latest_checkpoint_before_the_first(as_inspector):
    assert as_inspector.get("/ledger/checkpoints/latest").status_code == 404


def test_checkpoints_are_listed_largest_first_in_pages(as_inspector, as_reviewer, site):
    for _ in range(3):
        as_reviewer.post("/ledger/checkpoints")
    first = as_inspector.get("/ledger/checkpoints", limit=2).json()
    sizes = [c["size"] for c in first["checkpoints"]]
    assert sizes == sorted(sizes, reverse=True) and first["next_before"] == sizes[-1]
    rest = as_inspector.get("/ledger/checkpoints", before=first["next_before"]).json()
    assert len(rest["checkpoints"]) == 1 and rest["next_before"] is None


def test_the_verifier_key_checks_the_checkpoints(as_inspector, as_reviewer, site):
    doc = as_reviewer.post("/ledger/checkpoints").json()
    vkey = as_inspector.get("/ledger/vkey").json()
    assert vkey["vkey"].startswith(vkey["origin"] + "+")
    assert note.open_checkpoint(doc["note"], note.parse_vkey(vkey["vkey"])).size == doc["size"]
