"""Suppliers through their pages: registering, qualifying, agreements and their expiry, audits and
findings with their CAPA, and the "may we accept?" check, refusals shown inline."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.quality.factories import (
    make_audit_finding,
    make_quality_agreement,
    make_supplier,
    make_supplier_approval,
    make_supplier_audit,
)
from atmp.quality.models.suppliers import QualityAgreement, Supplier, SupplierApproval
from atmp.testing import signed_in
from atmp.workflow import engine
from atmp.workflow.engine import today

pytestmark = pytest.mark.django_db


def _approve(record, *, by, reason="qualified"):
    """Approve a qualification or an agreement as QA would (signed), for the set-up of a test."""
    from atmp.testing import PASSWORD

    engine.transition(by, record, "approve", reason=reason, password=PASSWORD)


def test_a_supplier_registered_and_qualified_from_its_pages_is_listed_by_qualification(qa_reviewer, site):
    client = signed_in(qa_reviewer)

    made = client.post("/quality/suppliers/new/", {"name": "Cryo Bags BV", "address": "Delft", "site": site.code})
    supplier = Supplier.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/records/quality.supplier/{supplier.pk}/"
    assert supplier.site == site

    added = client.post(
        f"/quality/suppliers/{supplier.pk}/approvals/new/", {"kind": "material", "scope": "MAT-BAG-500"}
    )
    assert added.status_code == 302 and added["Location"] == f"/records/quality.supplier/{supplier.pk}/"
    approval = SupplierApproval.objects.get()
    assert approval.scope == "MAT-BAG-500" and approval.status == "pending"

    page = client.get(f"/records/quality.supplier/{supplier.pk}/").content.decode()
    assert 'data-testid="parts-approvals"' in page and "MAT-BAG-500" in page
    pending = client.get("/quality/suppliers/", {"qualification": "pending"}).content.decode()
    approved = client.get("/quality/suppliers/", {"qualification": "approved"}).content.decode()
    assert "Cryo Bags BV" in pending and "Cryo Bags BV" not in approved


def test_a_qualification_of_an_unknown_kind_is_refused_beside_the_field_and_nothing_is_written(qa_reviewer):
    supplier = make_supplier(actor=qa_reviewer)
    client = signed_in(qa_reviewer)

    refused = client.post(f"/quality/suppliers/{supplier.pk}/approvals/new/", {"kind": "", "scope": "MAT-1"})

    assert refused.status_code == 400 and 'data-testid="error-kind"' in refused.content.decode()
    assert not SupplierApproval.objects.exists()


def test_an_agreement_is_drafted_edited_while_draft_and_listed_when_expiring(qa_reviewer, qa_approver):
    supplier = make_supplier(actor=qa_reviewer, name="Viral Vectors GmbH")
    client = signed_in(qa_reviewer)

    drafted = client.post(
        f"/quality/suppliers/{supplier.pk}/agreements/new/",
        {
            "title": "Technical agreement",
            "effective_date": str(today()),
            "expiry_date": str(today() + dt.timedelta(days=400)),
        },
    )
    assert drafted.status_code == 302
    agreement = QualityAgreement.objects.get()

    edit = f"/quality/quality-agreements/{agreement.pk}/edit/"
    assert edit in client.get(f"/records/quality.qualityagreement/{agreement.pk}/").content.decode()
    soon = today() + dt.timedelta(days=20)
    done = client.post(
        edit,
        {
            "title": "Technical agreement",
            "effective_date": str(today()),
            "expiry_date": str(soon),
            "reason": "a short first term",
            "version": agreement.version,
        },
    )
    assert done.status_code == 302
    agreement.refresh_from_db()
    assert agreement.expiry_date == soon

    engine.transition(qa_reviewer, agreement, "submit", reason="ready")
    _approve(agreement, by=qa_approver)
    later = make_quality_agreement(actor=qa_reviewer, supplier=supplier, title="Second agreement")
    engine.transition(qa_reviewer, later, "submit", reason="ready")
    _approve(later, by=qa_approver)  # in force for a year: not expiring within 30 days

    within_30 = client.get("/quality/quality-agreements/", {"expiring": "30"}).content.decode()
    assert "Technical agreement" in within_30 and "Second agreement" not in within_30
    assert f"{soon} (in 20 days)" in within_30
    # Approved, it is no longer edited: the button is gone.
    assert edit not in client.get(f"/records/quality.qualityagreement/{agreement.pk}/").content.decode()


def test_an_audit_finding_is_recorded_and_linked_to_a_capa_from_its_pages(qa_reviewer, site):
    from atmp.quality.factories import make_capa
    from atmp.quality.findings import capa_keys
    from atmp.quality.models.suppliers import AuditFinding

    audit = make_supplier_audit(actor=qa_reviewer)
    client = signed_in(qa_reviewer)
    record_page = f"/records/quality.supplieraudit/{audit.pk}/"
    assert f"/quality/supplier-audits/{audit.pk}/findings/new/" not in client.get(record_page).content.decode()
    engine.transition(qa_reviewer, audit, "start", reason="on site today")
    assert f"/quality/supplier-audits/{audit.pk}/findings/new/" in client.get(record_page).content.decode()

    added = client.post(
        f"/quality/supplier-audits/{audit.pk}/findings/new/",
        {"classification": "major", "description": "No temperature mapping of the warehouse"},
    )
    assert added.status_code == 302 and added["Location"] == record_page
    finding = AuditFinding.objects.get()

    refused = client.post(f"/quality/audit-findings/{finding.pk}/capa/", {"capa": audit.record_key})
    assert refused.status_code == 400 and 'data-testid="error-capa"' in refused.content.decode()
    assert capa_keys(finding) == []

    capa = make_capa(actor=qa_reviewer, site=site)
    linked = client.post(f"/quality/audit-findings/{finding.pk}/capa/", {"capa": capa.record_key})
    assert linked.status_code == 302
    assert capa_keys(finding) == [capa.record_key]


def test_an_audit_edit_records_the_outcome(qa_reviewer):
    audit = make_supplier_audit(actor=qa_reviewer, title="Annual audit")
    client = signed_in(qa_reviewer)

    done = client.post(
        f"/quality/supplier-audits/{audit.pk}/edit/",
        {
            "title": "Annual audit",
            "audit_date": str(audit.audit_date),
            "outcome": "acceptable_with_actions",
            "summary": "Two minor findings",
            "reason": "report",
            "version": audit.version,
        },
    )

    assert done.status_code == 302
    audit.refresh_from_db()
    assert audit.outcome == "acceptable_with_actions" and audit.summary == "Two minor findings"


def test_the_writes_are_offered_only_to_who_may_write(qa_reviewer, operator):
    from atmp.testing import PASSWORD, make_user

    supplier = make_supplier(actor=qa_reviewer)
    finding = make_audit_finding(actor=qa_reviewer)
    viewer = make_user("inspector", username="ivy", password=PASSWORD)  # an authority inspector: read-only

    as_viewer = signed_in(viewer)
    assert (
        f"/quality/suppliers/{supplier.pk}/edit/"
        not in as_viewer.get(f"/records/quality.supplier/{supplier.pk}/").content.decode()
    )
    assert as_viewer.get(f"/quality/suppliers/{supplier.pk}/edit/").status_code == 403
    assert as_viewer.get(f"/quality/audit-findings/{finding.pk}/capa/").status_code == 403
    as_operator = signed_in(operator).get(f"/records/quality.supplier/{supplier.pk}/").content.decode()
    assert f"/quality/suppliers/{supplier.pk}/approvals/new/" in as_operator


def test_may_accept_answers_with_the_rule_that_decides(qa_reviewer, qa_approver, operator):
    supplier = make_supplier(actor=qa_reviewer, name="Media Ltd")
    approval = make_supplier_approval(actor=qa_reviewer, supplier=supplier, scope="MAT-MEDIA-1")
    client = signed_in(operator)

    blank = client.get("/quality/may-accept/")
    assert blank.status_code == 200 and 'data-testid="may-accept-answer"' not in blank.content.decode()

    pending = client.get("/quality/may-accept/", {"material": "MAT-MEDIA-1", "supplier": supplier.number})
    assert pending.status_code == 200
    shown = pending.content.decode()
    assert 'data-ok="no"' in shown and "not_qualified" in shown and "is not approved for material MAT-MEDIA-1" in shown

    _approve(approval, by=qa_approver)
    agreement = make_quality_agreement(actor=qa_reviewer, supplier=supplier)
    engine.transition(qa_reviewer, agreement, "submit", reason="ready")
    _approve(agreement, by=qa_approver)
    accepted = client.get("/quality/may-accept/", {"material": "MAT-MEDIA-1", "supplier": supplier.number})
    shown = accepted.content.decode()
    assert 'data-ok="yes"' in shown and agreement.number in shown
    assert f"/records/quality.qualityagreement/{agreement.pk}/" in shown

    unknown = client.get("/quality/may-accept/", {"material": "MAT-MEDIA-1", "supplier": "SUP-0000-9999"})
    assert 'data-ok="no"' in unknown.content.decode() and "unknown_supplier" in unknown.content.decode()

    bad = client.get("/quality/may-accept/", {"material": "", "supplier": supplier.number})
    assert bad.status_code == 400 and 'data-testid="error-material"' in bad.content.decode()


@pytest.mark.parametrize("url", ["suppliers", "supplier-approvals", "quality-agreements", "supplier-audits"])
def test_each_list_shows_its_rows_sorted_and_as_csv(qa_reviewer, url):
    supplier = make_supplier(actor=qa_reviewer, name="Listed Supplier")
    make_supplier_approval(actor=qa_reviewer, supplier=supplier)
    make_quality_agreement(actor=qa_reviewer, supplier=supplier)
    make_supplier_audit(actor=qa_reviewer, supplier=supplier)
    client = signed_in(qa_reviewer)

    shown = client.get(f"/quality/{url}/")
    exported = client.get(f"/quality/{url}/", {"format": "csv"})

    assert shown.status_code == 200 and "Listed Supplier" in shown.content.decode()
    assert "Listed Supplier" in b"".join(exported.streaming_content).decode()
