"""The demo shows what atmp does: a user enrolled in MFA, and an audit trail free of its own refusals."""

import datetime as dt
import re

import pyotp
import pytest

from atmp import demo
from atmp.accounts import auth
from atmp.accounts.models import User
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry

REFUSAL = re.compile(r"(_failed|_refused|refused|lockout|denied)$")


@pytest.fixture
def loaded(db, demo_data):
    """The demo as `atmp demo` loads it; each test runs in its own savepoint, so none sees another's writes."""
    return demo_data


def test_the_demo_enrols_one_user_in_mfa_and_prints_the_secret(loaded):
    enrolled = User.objects.filter(mfa_enabled=True)
    assert [u.username for u in enrolled] == [demo.MFA_USER]
    assert loaded["mfa"] == {"username": demo.MFA_USER, "secret": demo.MFA_SECRET}
    text = demo.describe(loaded)
    assert demo.MFA_SECRET in text and demo.MFA_USER in text
    assert AuditEntry.objects.filter(action="mfa_enabled").count() == 1


def test_the_demo_mfa_user_signs_in_with_a_code_from_the_printed_secret(loaded, monkeypatch):
    user = User.objects.get(username=demo.MFA_USER)
    checked = auth.check_password_step(username=user.username, password=demo.PASSWORD)
    assert checked.mfa_enabled
    # The enrolment spent the codes around it (no replay): two minutes later the app's code works.
    later = clock.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert auth.verify_totp(checked, pyotp.TOTP(loaded["mfa"]["secret"]).at(later))


def test_the_demo_writes_no_refusal_into_the_audit_trail(loaded):
    refusals = [(e.seq, e.action, e.actor_name) for e in AuditEntry.objects.all() if REFUSAL.search(e.action)]
    assert refusals == []


def test_the_demo_review_covers_none_of_the_reviewer_s_own_entries(loaded):
    from atmp.ledger.models import AuditTrailReview
    from atmp.ledger.reviews import selection_of
    from atmp.ledger.trail import trail

    reviews = list(AuditTrailReview.objects.all())  # the quality demo's, and one per batch the QP certifies
    assert len(reviews) == 5
    for review in reviews:
        entries = trail(selection_of(review), limit=5000).entries
        assert entries and all(e.actor_id != review.created_by_id for e in entries), review


def test_loading_the_demo_again_writes_nothing(loaded):
    size = AuditEntry.objects.count()
    assert demo.load()["mfa"]["secret"] == demo.MFA_SECRET
    assert AuditEntry.objects.count() == size


def test_the_demo_verifies(loaded):
    from atmp.ledger import verify

    report = verify.run()
    assert report.ok, report


def test_the_demo_holds_a_quality_system(loaded):
    from atmp.quality.models import Capa, Deviation, PlannedDeviation
    from atmp.workflow.work import overdue

    classes = sorted(Deviation.objects.values_list("classification", flat=True))
    # The unclassified ones await triage: the traceability demo's refused bedside scan opened one,
    # the environment demo's year of results three (a grade A settle plate and a glove print with
    # growth, grade B active air above 10 CFU/m³: action-level results). The manufacturing demo's
    # batch value outside its PAR opened one more, which QA classified minor.
    assert classes == ["", "", "", "", "critical", "major", "minor", "minor"]
    assert PlannedDeviation.objects.get().status == "approved"
    # The bioburden CAPA closed with its follow-up, and the CAPAs of the audit and self-inspection findings.
    assert sorted(Capa.objects.values_list("status", flat=True)) == ["closed", "open", "open", "open"]
    assert Capa.objects.filter(effectiveness_outcome="not_effective").exists()
    assert overdue() == [] or all(i.record.startswith("quality.") for i in overdue())


def test_the_demo_s_sops_are_effective_and_one_operator_is_overdue_on_one(loaded):
    from atmp.quality.demo import OVERDUE_SOP
    from atmp.quality.models import Document, TrainingRecord
    from atmp.quality.selectors.documents import OVERDUE, training_matrix, training_work
    from atmp.quality.selectors.kpis import kpis
    from atmp.workflow.engine import today

    sops = Document.objects.filter(document_type="sop")
    assert sops.count() == 3
    assert all(d.effective_version() is not None for d in sops)
    assert TrainingRecord.objects.count() > 0
    matrix = training_matrix()
    late = [(u, d) for (u, d), item in matrix.cells.items() if item.state == OVERDUE]
    assert late == [(User.objects.get(username="olga").pk, Document.objects.get(title=OVERDUE_SOP).pk)]
    olga_work = training_work(User.objects.get(username="olga"), today())
    assert [w.overdue for w in olga_work] == [True]
    assert kpis(day=today())["training_compliance"] < "1.000"


def test_the_demo_s_batch_record_review_sop_is_due_for_review_and_tick_opens_it(loaded):
    from atmp.ledger import clock
    from atmp.quality.periodic import open_due_reviews
    from atmp.quality.selectors.documents import reviews_due

    assert [v.document.title for v in reviews_due()] == ["Batch record review before QP certification"]
    assert open_due_reviews(clock.now()) == {"due": 1, "opened": 1}


def test_the_demo_has_qualified_suppliers_and_one_agreement_expiring_soon(loaded):
    from atmp.quality.models import QualityAgreement, SupplierApproval, SupplierAudit
    from atmp.quality.selectors.suppliers import expiring_agreements

    # MED-001, MED-002 and a service (the quality demo), PEI-001 and BUF-FORM (the manufacturing demo),
    # the potency assay's antibody CR-ANTI-SMN (the lab demo).
    assert sorted(SupplierApproval.objects.values_list("status", flat=True)) == ["approved"] * 6 + ["pending"]
    assert QualityAgreement.objects.filter(status="approved").count() == 2
    assert [a.supplier.name for a in expiring_agreements(within_days=60)] == ["ViroMedia GmbH"]
    assert SupplierAudit.objects.get().status == "closed"


def test_the_demo_s_medium_change_is_approved_and_waits_for_its_comparability_study(loaded):
    from atmp.quality.models import ChangeControl
    from atmp.quality.workflows.changes import comparability_evidence, qp_approvals

    change = ChangeControl.objects.get()
    assert change.status == "implementation" and change.comparability_required
    assert qp_approvals(change)
    # Closing is refused until a study or its report is linked ('supports').
    assert "comparability study" in (comparability_evidence(change) or "")


def test_the_demo_holds_complaints_a_mock_recall_and_a_self_inspection(loaded):
    from atmp.quality.findings import capa_keys
    from atmp.quality.models import Complaint, InspectionFinding, Recall, SelfInspection
    from atmp.quality.selectors.complaints import flagged_for_pv

    assert sorted(Complaint.objects.values_list("status", flat=True)) == ["closed", "investigation"]
    assert [c.pv_reference for c in flagged_for_pv()] == ["PV-2026-0031"]
    recall = Recall.objects.get()
    assert recall.mock and recall.status == "closed"
    assert recall.scope.count() == 1 and recall.recipients.count() == 3
    assert SelfInspection.objects.get().status == "closed"
    major = InspectionFinding.objects.get(classification="major")
    assert capa_keys(major)


def test_the_demo_s_management_review_is_signed_with_its_kpis_frozen(loaded):
    from atmp.ledger import signatures
    from atmp.quality.models import ManagementReview

    review = ManagementReview.objects.get()
    assert review.status == "approved"
    assert signatures.current(review, "approved")
    assert review.kpis["at"] == review.period_end.isoformat()
    assert "training_compliance" in review.kpis and "capa_open" in review.kpis


def test_the_demo_s_management_review_froze_the_figures_of_the_demo_s_records(loaded):
    from decimal import Decimal

    from atmp.quality.models import ManagementReview
    from atmp.quality.selectors.documents import training_matrix
    from atmp.quality.selectors.kpis import kpis

    review = ManagementReview.objects.get()
    frozen = review.kpis
    # Its period runs to the day the demo was loaded, and it was signed that day: its KPIs are as of the signature.
    assert review.period_start <= review.created_at.date() <= review.period_end
    assert frozen["site"] == "LEI"
    assert frozen["deviations_open"] == {"minor": 0, "major": 0, "critical": 1, "unclassified": 0}
    assert (frozen["capa_open"], frozen["change_controls_open"], frozen["complaints_open"]) == (3, 1, 1)
    assert frozen["capa_overdue"] == 0 and frozen["recalls_open"] == 0  # the mock recall closed
    # Five of Leiden's six required trainings: Olga's on the cleaning SOP is overdue. Oscar Operator
    # joined manufacturing after the review was signed, trained on both of his: 7 of 8 now.
    assert frozen["training_compliance"] == "0.833"
    assert str(training_matrix(review.site).compliance.quantize(Decimal("0.001"))) == "0.875"
    assert 0 < Decimal(frozen["training_compliance"]) < 1
    until = dt.datetime.fromisoformat(frozen["until"])
    again = kpis(day=review.period_end, site=review.site, until=until)
    # Recomputed as of the signature, training compliance counts today's role holders (Oscar, given
    # his role later, untrained then): the frozen figure is the one to read, which is why it is frozen.
    assert {**again, "training_compliance": frozen["training_compliance"]} == frozen
