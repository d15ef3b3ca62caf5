"""Complaints and recalls through their pages: intake, investigation, what a complaint concerns; a recall's
scope one batch at a time, its quantities, its recipients (by pseudonym) and their notification."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from atmp.ledger.models import AuditEntry
from atmp.quality.factories import make_complaint, make_recall, make_recall_recipient, make_recall_scope
from atmp.quality.models.complaints import Complaint
from atmp.quality.models.recalls import Recall, RecallRecipient, RecallScope
from atmp.testing import make_site, signed_in
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


def test_a_complaint_recorded_from_its_page_is_linked_and_found_by_its_adverse_reaction_flag(operator, site):
    batch = make_site(code="B01")  # a record the complaint concerns (a site stands in for a batch)
    client = signed_in(operator)

    made = client.post(
        "/quality/complaints/new/",
        {
            "site": site.code,
            "title": "Fever after infusion",
            "received_date": "2026-12-01",
            "source": "hospital",
            "description": "Patient developed a fever within 2 h",
            "reporter_reference": "LUMC-CASE-881",
            "possible_adverse_reaction": "on",
            "concerns": batch.record_key,
        },
    )

    complaint = Complaint.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/records/quality.complaint/{complaint.pk}/"
    assert complaint.possible_adverse_reaction and [s.other_key for s in links.for_record(complaint)] == [
        batch.record_key
    ]
    make_complaint(actor=operator, site=site, title="Label smudged")
    flagged = client.get("/quality/complaints/", {"adverse": "yes"}).content.decode()
    assert "Fever after infusion" in flagged and "Label smudged" not in flagged
    by_date = client.get("/quality/complaints/", {"received_from": "2026-12-02"}).content.decode()
    assert "Fever after infusion" not in by_date


def test_a_reporter_named_by_e_mail_is_refused_beside_the_field_and_nothing_is_written(operator, site):
    client = signed_in(operator)

    refused = client.post(
        "/quality/complaints/new/",
        {
            "site": site.code,
            "title": "t",
            "received_date": "2026-12-01",
            "source": "patient",
            "description": "kept as typed",
            "reporter_reference": "jane.doe@example.org",
        },
    )

    assert refused.status_code == 400
    assert 'data-testid="error-reporter_reference"' in refused.content.decode()
    assert "kept as typed" in refused.content.decode()
    assert not Complaint.objects.exists()


def test_the_investigation_is_recorded_and_a_batch_linked_from_the_complaints_page(operator, site):
    complaint = make_complaint(actor=operator, site=site)
    batch = make_site(code="B02")
    client = signed_in(operator)
    record_page = f"/records/quality.complaint/{complaint.pk}/"
    assert f"/quality/complaints/{complaint.pk}/concerns/" in client.get(record_page).content.decode()

    edited = client.post(
        f"/quality/complaints/{complaint.pk}/edit/",
        {
            "title": complaint.title,
            "description": complaint.description,
            "investigation": "Port cracked in transit",
            "conclusion": "Shipper packaging inadequate",
            "pv_reference": "PV-2026-17",
            "reason": "investigated",
            "version": complaint.version,
        },
    )
    linked = client.post(f"/quality/complaints/{complaint.pk}/concerns/", {"target": batch.record_key})
    unknown = client.post(f"/quality/complaints/{complaint.pk}/concerns/", {"target": "trace.lot:999999"})

    assert edited.status_code == 302 and linked.status_code == 302 and linked["Location"] == record_page
    complaint.refresh_from_db()
    assert complaint.conclusion == "Shipper packaging inadequate" and complaint.pv_reference == "PV-2026-17"
    assert unknown.status_code == 400 and 'data-testid="error-target"' in unknown.content.decode()
    assert [s.other_key for s in links.for_record(complaint)] == [batch.record_key]


def test_a_recall_is_initiated_and_takes_its_scope_one_batch_per_form(qa_reviewer, site):
    batch = make_site(code="B03")
    client = signed_in(qa_reviewer)

    made = client.post(
        "/quality/recalls/new/",
        {
            "site": site.code,
            "title": "Potency out of specification",
            "recall_reason": "Stability failure at 6 months",
            "classification": "class_ii",
            "decision_date": "2026-12-01",
            "mock": "on",
        },
    )
    recall = Recall.objects.get()
    assert made.status_code == 302 and recall.mock

    scope_url = f"/quality/recalls/{recall.pk}/scope/new/"
    line = {"record": batch.record_key, "description": "Batch AAV-17", "unit": "bags", "reason": "in scope"}
    too_much = client.post(scope_url, {**line, "quantity_distributed": "10", "quantity_returned": "11"})
    assert too_much.status_code == 400 and 'data-testid="error-quantity_returned"' in too_much.content.decode()
    unknown = client.post(scope_url, {**line, "record": "trace.lot:999999", "quantity_distributed": "10"})
    assert unknown.status_code == 400 and 'data-testid="error-record"' in unknown.content.decode()
    assert not RecallScope.objects.exists()

    added = client.post(scope_url, {**line, "quantity_distributed": "10"})
    assert added.status_code == 302 and added["Location"] == f"/records/quality.recall/{recall.pk}/"
    row = RecallScope.objects.get()
    assert row.quantity_distributed == Decimal("10") and row.record == batch.record_key

    page = client.get(f"/records/quality.recall/{recall.pk}/").content.decode()
    assert 'data-testid="parts-scope"' in page and "Batch AAV-17" in page
    mocks = client.get("/quality/recalls/", {"mock": "mock"}).content.decode()
    real = client.get("/quality/recalls/", {"mock": "real"}).content.decode()
    assert recall.number in mocks and recall.number not in real


def test_a_scope_rows_quantities_are_recorded_and_kept_within_what_was_distributed(qa_reviewer, site):
    row = make_recall_scope(actor=qa_reviewer, recall=make_recall(actor=qa_reviewer, site=site))
    client = signed_in(qa_reviewer)
    url = f"/quality/recall-scope/{row.pk}/edit/"
    assert url in client.get(f"/records/quality.recallscope/{row.pk}/").content.decode()
    values = {"quantity_distributed": "10.000", "quantity_destroyed": "0", "quantity_administered": "0"}

    refused = client.post(url, {**values, "quantity_returned": "12", "reason": "count", "version": row.version})
    assert refused.status_code == 400 and 'data-testid="error-quantity_returned"' in refused.content.decode()
    done = client.post(url, {**values, "quantity_returned": "7", "reason": "count", "version": row.version})

    assert done.status_code == 302
    row.refresh_from_db()
    assert row.quantity_returned == Decimal("7") and row.quantity_distributed == Decimal("10")


def test_recipients_are_added_by_pseudonym_and_marked_notified(qa_reviewer, site):
    recall = make_recall(actor=qa_reviewer, site=site)
    client = signed_in(qa_reviewer)
    url = f"/quality/recalls/{recall.pk}/recipients/new/"

    refused = client.post(url, {"reference": "john@hospital.example", "kind": "patient"})
    assert refused.status_code == 400 and 'data-testid="error-reference"' in refused.content.decode()
    assert not RecallRecipient.objects.exists()
    added = client.post(url, {"reference": "PAT-0042", "kind": "patient"})
    assert added.status_code == 302
    recipient = RecallRecipient.objects.get()

    notify = f"/quality/recall-recipients/{recipient.pk}/notify/"
    assert notify in client.get(f"/records/quality.recallrecipient/{recipient.pk}/").content.decode()
    done = client.post(notify, {"response": "Treating physician informed", "reason": "called", "version": 1})

    assert done.status_code == 302
    recipient.refresh_from_db()
    assert recipient.notified_at is not None and recipient.response == "Treating physician informed"


def test_a_closed_or_reconciling_recall_offers_no_scope_and_an_operator_may_not_initiate(qa_reviewer, operator, site):
    recall = make_recall(actor=qa_reviewer, site=site, with_scope=True)
    recipient = make_recall_recipient(actor=qa_reviewer, recall=recall)
    engine.transition(qa_reviewer, recall, "start", reason="decided")
    engine.transition(qa_reviewer, recall, "reconcile", reason="all back")
    client = signed_in(qa_reviewer)

    page = client.get(f"/records/quality.recall/{recall.pk}/").content.decode()

    assert f"/quality/recalls/{recall.pk}/scope/new/" not in page
    assert f"/quality/recalls/{recall.pk}/recipients/new/" not in page
    assert f"/quality/recalls/{recall.pk}/edit/" in page  # the reconciliation note is still written
    recipient_page = client.get(f"/records/quality.recallrecipient/{recipient.pk}/").content.decode()
    assert f"/quality/recall-recipients/{recipient.pk}/notify/" in recipient_page
    assert signed_in(operator).get("/quality/recalls/new/").status_code == 200  # records.write: anyone with a GMP role


def _shown(page: str, name: str) -> str:
    """Return the value a form's input shows."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found is not None, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


def test_editing_only_the_response_keeps_the_notification_time_to_the_microsecond(qa_reviewer, site):
    from atmp.ledger import clock
    from atmp.quality.services import recalls

    recipient = make_recall_recipient(actor=qa_reviewer, recall=make_recall(actor=qa_reviewer, site=site))
    called = (clock.now() - dt.timedelta(days=1)).replace(second=47, microsecond=123456)
    recipient = recalls.record_notification(
        actor=qa_reviewer, recipient=recipient, reason="called", version=recipient.version, notified_at=called
    )
    client = signed_in(qa_reviewer)
    url = f"/quality/recall-recipients/{recipient.pk}/notify/"
    form = client.get(url).content.decode()
    shown = _shown(form, "notified_at")
    assert shown == called.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")  # the input shows minutes

    answered = client.post(
        url, {"notified_at": shown, "response": "Physician informed", "reason": "answer", "version": recipient.version}
    )

    assert answered.status_code == 302
    recipient.refresh_from_db()
    assert recipient.response == "Physician informed" and recipient.notified_at == called
    entry = AuditEntry.objects.filter(record_type="quality.recallrecipient", record_id=str(recipient.pk)).latest("seq")
    assert set(json.loads(entry.changes)) == {"response"}

    later = (called + dt.timedelta(minutes=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    moved = client.post(url, {"notified_at": later, "reason": "the call was later", "version": recipient.version})
    assert moved.status_code == 302
    recipient.refresh_from_db()
    assert recipient.notified_at == (called + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)


def test_the_scope_table_labels_each_value_so_its_rows_can_stack_in_a_narrow_panel(qa_reviewer, site):
    recall = make_recall(actor=qa_reviewer, site=site)
    make_recall_scope(actor=qa_reviewer, recall=recall)
    make_recall_recipient(actor=qa_reviewer, recall=recall)
    client = signed_in(qa_reviewer)

    page = client.get(f"/records/quality.recall/{recall.pk}/").content.decode()

    scope = page[page.index('data-testid="parts-scope"') - 60 : page.index("</table>", page.index("parts-scope"))]
    assert '<table class="table stackable" data-testid="parts-scope" role="table">' in scope
    for label in ("Batch or lot", "Distributed", "Returned", "Destroyed", "Administered"):
        assert f'<td data-label="{label}" role="cell">' in scope
    assert '<td data-label="Description" class="text" role="cell">' in scope  # a long text spans the stacked row
    # Three columns fit any panel: the recipients stay a plain table.
    assert '<table class="table" data-testid="parts-recipients">' in page
