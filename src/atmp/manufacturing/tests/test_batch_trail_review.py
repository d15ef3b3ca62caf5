"""A review of a batch's whole audit trail: the batch with its steps and entries (atmp.ledger.parts),
from the service, the API, the command line and the pages; QP certification relies on it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.accounts import signing
from atmp.cli.main import main
from atmp.ledger import reviews, trail
from atmp.ledger.models import AuditEntry
from atmp.manufacturing import factories
from atmp.manufacturing.models import BatchEntry
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def executed(running, floor, batch):
    factories.execute_step(step=running, floor=floor)
    return batch


def _whole(batch) -> trail.TrailFilter:
    return trail.TrailFilter(record_type=batch.record_type(), record_id=str(batch.pk), with_parts=True)


def _expected(batch) -> set[int]:
    steps = [str(pk) for pk in batch.steps.values_list("pk", flat=True)]
    entries = [str(pk) for pk in BatchEntry.objects.filter(step__batch=batch).values_list("pk", flat=True)]
    rows = AuditEntry.objects.filter(record_type="manufacturing.batch", record_id=str(batch.pk))
    rows |= AuditEntry.objects.filter(record_type="manufacturing.batchstep", record_id__in=steps)
    rows |= AuditEntry.objects.filter(record_type="manufacturing.batchentry", record_id__in=entries)
    return set(rows.values_list("seq", flat=True))


def test_with_parts_selects_the_batch_its_steps_and_their_entries(executed):
    selected = set(trail.filtered(_whole(executed)).values_list("seq", flat=True))
    assert selected == _expected(executed)
    alone = trail.TrailFilter(record_type="manufacturing.batch", record_id=str(executed.pk))
    assert set(trail.filtered(alone).values_list("seq", flat=True)) < selected


def test_a_signed_review_covers_the_batch_but_not_its_reviewers_own_entries(executed, qa_reviewer, qa_approver):
    assert reviews.unreviewed(_whole(executed)) == sorted(_expected(executed))
    # Rita made the batch and reviews its trail: her own entries wait for another reviewer.
    review = reviews.start_review(actor=qa_reviewer, filter=_whole(executed), comment="before certification")
    assert review.with_parts_filter is True
    signing.sign(
        signer=qa_reviewer, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings"
    )
    own = set(
        AuditEntry.objects.filter(seq__in=_expected(executed), actor_id=qa_reviewer.pk).values_list("seq", flat=True)
    )
    assert own and set(reviews.unreviewed(_whole(executed))) == own
    second = reviews.start_review(actor=qa_approver, filter=_whole(executed), comment="Rita's entries")
    signing.sign(
        signer=qa_approver, record=second, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings"
    )
    assert reviews.unreviewed(_whole(executed)) == []
    # The selection stored is the one read back: a later entry of the batch is not covered.
    assert reviews.selection_of(review) == _whole(executed)


def test_the_api_starts_a_review_of_the_batch_with_its_parts(executed, qa_approver, operator):
    api = ApiClient(token_for(qa_approver))
    body = {"record_type": "manufacturing.batch", "record_id": str(executed.pk), "with_parts": True, "comment": "trail"}
    made = api.post("/ledger/reviews", body)
    assert made.status_code == 201, made.content
    assert made.json()["entry_count"] + made.json()["excluded_count"] == len(_expected(executed))
    missing = api.post("/ledger/reviews", {"with_parts": True, "comment": "trail"})
    assert missing.status_code == 400 and missing.json()["field"] == "with_parts"
    assert ApiClient(token_for(operator)).post("/ledger/reviews", body).status_code == 403
    listed = api.get(
        "/ledger/entries", record_type="manufacturing.batch", record_id=str(executed.pk), with_parts="true", limit=500
    )
    assert {e["seq"] for e in listed.json()["entries"]} == _expected(executed)


def test_the_command_line_starts_signs_and_reports_what_is_pending(executed, qa_approver, qa_reviewer, monkeypatch):
    monkeypatch.setenv("ATMP_PASSWORD", PASSWORD)
    runner = CliRunner()
    select = ["--record-type", "manufacturing.batch", "--record-id", str(executed.pk), "--with-parts"]
    started = runner.invoke(
        main, ["ledger", "review", "start", *select, "--comment", "trail", "--as", "rita", "--json"]
    )
    assert started.exit_code == 0, started.output
    review_id = json.loads(started.stdout)["id"]
    signed = runner.invoke(
        main, ["ledger", "review", "sign", str(review_id), "--outcome", "no_findings", "--as", "rita", "--json"]
    )
    assert signed.exit_code == 0, signed.output
    assert json.loads(signed.stdout)["status"] == "reviewed"
    pending = runner.invoke(main, ["ledger", "review", "pending", *select, "--json"])
    report = json.loads(pending.stdout)
    assert report["entries"] == len(_expected(executed)) and 0 < report["unreviewed"] < report["entries"]
    bad = runner.invoke(main, ["ledger", "review", "pending", "--with-parts", "--json"])
    assert bad.exit_code == 2 and "--with-parts" in bad.stderr


def test_the_batch_page_tells_a_reviewer_how_much_of_its_trail_is_reviewed(executed, client, qa_approver):
    client.force_login(qa_approver)
    page = client.get(f"/manufacturing/batches/{executed.pk}/").content.decode()
    assert 'data-testid="trail-review"' in page and "not yet covered by a signed review" in page
    audit = client.get("/audit/", {"record_type": "manufacturing.batch", "record_id": executed.pk, "with_parts": "on"})
    assert audit.status_code == 200
    assert audit.content.decode().count('data-testid="entry-row"') == min(len(_expected(executed)), trail.PAGE)


def test_an_operator_sees_no_review_line(executed, client, operator):
    client.force_login(operator)
    assert 'data-testid="trail-review"' not in client.get(f"/manufacturing/batches/{executed.pk}/").content.decode()


# --- the rule "with parts names its record", once in the service --------------------------------------


@pytest.mark.parametrize("named", [{}, {"record_type": "manufacturing.batch"}, {"record_id": "1"}])
def test_a_selection_with_parts_but_no_record_is_refused_by_the_service_naming_the_field(named):
    with pytest.raises(trail.FilterRefused) as refused:
        trail.TrailFilter(with_parts=True, **named)
    assert refused.value.field == "with_parts" and "record" in str(refused.value)


def test_every_entry_point_keeps_its_words_for_with_parts_without_a_record(qa_approver, client):
    from atmp.web.forms import TrailFilterForm

    api = ApiClient(token_for(qa_approver))
    for answer in (
        api.post("/ledger/reviews", {"with_parts": True, "comment": "trail"}),
        api.get("/ledger/entries", with_parts="true"),
    ):
        assert answer.status_code == 400 and answer.json()["field"] == "with_parts"
        assert "give the record_type and record_id of the record whose parts to include" in answer.json()["detail"]
    bad = CliRunner().invoke(main, ["ledger", "review", "pending", "--with-parts", "--json"])
    assert bad.exit_code == 2
    assert "--with-parts: give --record-type and --record-id of the record whose parts to include" in bad.stderr
    form = TrailFilterForm({"with_parts": "on", "record_type": "", "record_id": ""})
    assert not form.is_valid()
    assert form.errors["with_parts"] == ["give the record type and id of the record whose parts to include"]
    client.force_login(qa_approver)
    page = client.get("/audit/", {"with_parts": "on"})
    assert "give the record type and id of the record whose parts to include" in page.content.decode()
