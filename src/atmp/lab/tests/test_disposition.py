"""The QP's disposition of a batch: each certification check named when it refuses, conditional release with
its expected dates, the alert of a late failing result, the final certification, separation of duties."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import TestCase

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.lab import factories as lf
from atmp.lab.models import LateResultAlert
from atmp.lab.services import disposition as svc
from atmp.lab.services.certification import checks
from atmp.lab.services.results import correct_result, live_results, record_result
from atmp.lab.services.results import review as review_result
from atmp.ledger import clock
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, make_user
from atmp.workflow import engine
from atmp.workflow.notify import holders_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(qa_reviewer):
    return lf.make_certifiable_batch(actor=qa_reviewer)


@pytest.fixture
def petra():
    return lf.qp()


def _in_days(n: int) -> str:
    return (clock.now().date() + dt.timedelta(days=n)).isoformat()


def _refused_naming(batch, qp, *words: str) -> str:
    before = AuditEntry.objects.count()
    with pytest.raises(RuleViolation) as refused:
        svc.certify(actor=qp, batch=batch, password=PASSWORD, reason="release")
    message = str(refused.value)
    for word in words:
        assert word in message, message
    assert AuditEntry.objects.count() == before, "a refused certification writes nothing"
    assert not svc.dispositions().filter(batch=batch).exists()
    return message


def test_a_qp_certifies_a_batch_every_check_passes_for(batch, petra):
    assert [c.state for c in checks(batch)] == ["ok"] * 7
    made = svc.certify(actor=petra, batch=batch, password=PASSWORD, reason="all checks pass")
    assert made.status == "certified" and made.decided_at is not None
    sig = Signature.objects.get(record_type=made.record_type(), record_id=str(made.pk))
    assert (sig.meaning, sig.signer_id) == ("qp_certified", petra.pk)
    # Opened by atmp itself: nobody authored it, so the QP's signature is independent.
    created = AuditEntry.objects.get(record_type=made.record_type(), record_id=str(made.pk), action="create")
    assert created.actor_id is None


def test_it_refuses_certifying_with_a_result_pending_naming_the_test(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, sterility=None)
    _refused_naming(batch, petra, "results (pending)", "2 Sterility: no result")


def test_it_refuses_certifying_with_a_result_out_of_specification(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, sterility="does not conform")
    _refused_naming(batch, petra, "results (failed)", "Sterility", "does not conform")


def test_it_refuses_certifying_with_a_result_not_reviewed(batch, petra):
    titre = live_results(batch.sample)[0]
    correct_result(actor=batch.qc_analyst, result=titre, value="2.1E13", reason="transcription error")
    _refused_naming(batch, petra, "results (failed)", "not reviewed by a second person")


def test_it_refuses_certifying_with_an_oos_investigation_open(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, sterility="does not conform")
    _refused_naming(batch, petra, "oos (failed)", "OOS investigation OOS-")


def test_it_refuses_certifying_with_a_deviation_of_the_batch_open(batch, petra, qa_reviewer):
    from atmp.quality.services.deviations import open_deviation

    deviation = open_deviation(
        actor=qa_reviewer, site=batch.site, title="Incubator alarm during step 2", description="Alarm for 5 min",
        occurred_at=clock.now(), source=batch, reason="seen on the floor",
    )  # fmt: skip
    _refused_naming(batch, petra, "deviations (failed)", f"deviation {deviation.number} is open")


def test_it_refuses_certifying_a_batch_whose_record_is_not_reviewed(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, review=False)
    _refused_naming(batch, petra, "batch_record (failed)", "batch record not reviewed", "executed")


def test_it_refuses_certifying_a_batch_whose_audit_trail_is_not_reviewed(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, audit=False)
    _refused_naming(batch, petra, "audit_trail (failed)", "covered by no signed audit-trail review")


def test_it_refuses_certifying_a_batch_made_from_another_patient_s_cells(batch, petra, qa_reviewer):
    from atmp.trace import factories as tf
    from atmp.trace.services.genealogy import record_use

    stranger = tf.make_person(actor=qa_reviewer, site=batch.site, kind="donor")
    material = tf.make_material(actor=qa_reviewer, type="starting_material", unit="mL")
    cells = tf.make_released_lot(actor=qa_reviewer, site=batch.site, material=material, donor=stranger, quantity="10")
    record_use(actor=qa_reviewer, input=cells, output=batch.output_lot, quantity="1", unit=cells.unit)
    lf.review_audit_trail(batch)
    _refused_naming(batch, petra, "chain_of_identity (failed)", f"donated by {stranger.coi}", "a mix-up")


def test_it_refuses_certifying_a_batch_that_consumed_a_recalled_lot(batch, petra, qa_approver):
    from atmp.trace.models import Use

    lot = Use.objects.filter(output_id=batch.output_lot_id).select_related("input").first().input
    engine.transition(qa_approver, lot, "recall", reason="the supplier recalled it")
    _refused_naming(batch, petra, "starting_materials (failed)", f"lot {lot.number} is recalled, not released")


def test_a_qp_who_reviewed_the_batch_record_may_not_certify_it(qa_reviewer, petra):
    from atmp.manufacturing.services.batches import review_batch

    batch = lf.make_certifiable_batch(actor=qa_reviewer, review=False, audit=False)
    review_batch(actor=petra, batch=batch, password=PASSWORD, reason="reviewed by exception")
    lf.review_audit_trail(batch)
    with pytest.raises(RuleViolation, match="separation of duties: you reviewed its record"):
        svc.certify(actor=petra, batch=batch, password=PASSWORD, reason="release")
    svc.certify(actor=lf.qp(), batch=batch, password=PASSWORD, reason="another QP certifies")


def test_a_qp_of_the_batch_s_site_alone_certifies_it(batch):
    """A disposition concerns its batch's site (site_path): that site's QP signs it, another site's cannot."""
    from atmp.testing import make_site

    elsewhere = make_user("qualified_person", password=PASSWORD, site=make_site())
    with pytest.raises(InvalidInput):
        svc.certify(actor=elsewhere, batch=batch, password=PASSWORD, reason="release")
    local = make_user("qualified_person", password=PASSWORD, site=batch.site)
    made = svc.certify(actor=local, batch=batch, password=PASSWORD, reason="release")
    assert made.status == "certified" and made.concerned_site_ids() == frozenset({batch.site_id})


def test_only_a_qualified_person_certifies(batch, qa_approver):
    with pytest.raises(NotAllowed, match="Qualified Person"):
        svc.certify(actor=qa_approver, batch=batch, password=PASSWORD, reason="release")


def test_a_wrong_password_is_refused(batch, petra):
    with pytest.raises(SignatureRefused):
        svc.certify(actor=petra, batch=batch, password="wrong", reason="release")


def test_a_conditional_release_needs_an_expected_date_for_each_pending_test(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, sterility=None)
    with pytest.raises(InvalidInput, match="expected date missing.*2 Sterility"):
        svc.release_conditionally(actor=petra, batch=batch, expected={}, password=PASSWORD, reason="urgent")
    with pytest.raises(InvalidInput, match="not a pending test"):
        svc.release_conditionally(
            actor=petra, batch=batch, expected={"Vector genome titre": _in_days(3)}, password=PASSWORD, reason="urgent"
        )
    assert not svc.dispositions().filter(batch=batch).exists()
    made = svc.release_conditionally(
        actor=petra, batch=batch, expected={"2": _in_days(14)}, password=PASSWORD, reason="patient cannot wait"
    )
    assert made.status == "conditional"
    assert made.pending == [{"attribute": "Sterility", "position": 2, "expected_on": _in_days(14)}]
    assert Signature.objects.filter(record_id=str(made.pk), meaning="approved", record_version=made.version).exists()


def test_a_conditional_release_is_refused_when_another_check_fails(qa_reviewer, petra):
    batch = lf.make_certifiable_batch(actor=qa_reviewer, sterility=None, audit=False)
    with pytest.raises(RuleViolation, match="conditional release refused: audit_trail"):
        svc.release_conditionally(
            actor=petra, batch=batch, expected={"2": _in_days(14)}, password=PASSWORD, reason="urgent"
        )


def test_a_conditional_release_is_refused_when_nothing_is_pending(batch, petra):
    with pytest.raises(RuleViolation, match="no result is pending"):
        svc.release_conditionally(actor=petra, batch=batch, expected={}, password=PASSWORD, reason="urgent")


def _administered(batch, qa_reviewer):
    from atmp.trace import factories as tf
    from atmp.trace.services.genealogy import administer

    tf.release(batch.output_lot)
    batch.output_lot.refresh_from_db()
    return administer(actor=qa_reviewer, lot=batch.output_lot, patient=batch.patient)


def test_a_late_failing_result_alerts_the_qp_and_the_treating_site_with_the_administrations(qa_reviewer):
    disposition = lf.make_conditionally_released(actor=qa_reviewer)
    batch = disposition.batch
    given = _administered(batch, qa_reviewer)
    nurse = make_user("operator", site=batch.patient.site)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        record_result(actor=batch.qc_analyst, sample=batch.sample, attribute="2", value="does not conform")
    alert = LateResultAlert.objects.get(disposition=disposition)
    assert alert.administrations[0]["record"] == given.record_key
    assert alert.administrations[0]["patient_coi"] == batch.patient.coi
    lot, site = batch.output_lot.number, batch.patient.site.code
    assert alert.message == (
        f"{batch.number}: Sterility gave 'does not conform' — does not conform to 'No growth'. "
        "The batch was released before all results were in. 1 administration(s) of its product: "
        f"{lot} to {batch.patient.coi} at {site} on {given.at.date().isoformat()}."
    )
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert batch.number in sent.subject
    assert alert.message in sent.body
    assert nurse.email in sent.to
    assert any(u.email in sent.to for u in holders_of("qualified_person"))
    assert svc.document(batch)["alerts"][0]["record"] == alert.record_key


def test_a_late_numeric_result_names_the_value_as_entered_with_its_unit_and_the_criterion(qa_reviewer):
    disposition = lf.make_conditionally_released(actor=qa_reviewer)
    batch = disposition.batch
    titre = live_results(batch.sample)[0]
    correct_result(actor=batch.qc_analyst, result=titre, value="5.0E11", reason="transcription error")
    alert = LateResultAlert.objects.get(disposition=disposition)
    assert alert.message == (
        f"{batch.number}: Vector genome titre gave '5.0E11 {{vg}}/mL' — does not conform to '>=1.0E12 {{vg}}/mL'. "
        "The batch was released before all results were in. 0 administration(s) of its product: none."
    )


def test_a_late_passing_result_lets_the_final_certification_proceed(qa_reviewer):
    disposition = lf.make_conditionally_released(actor=qa_reviewer)
    batch = disposition.batch
    qp = lf.qp()
    with pytest.raises(RuleViolation, match="results \\(pending\\)"):
        svc.certify(actor=qp, batch=batch, password=PASSWORD, reason="final")
    result = record_result(actor=batch.qc_analyst, sample=batch.sample, attribute="2", value="conforms")
    review_result(actor=lf.reviewer(), result=result, password=PASSWORD)
    assert not LateResultAlert.objects.exists()
    made = svc.certify(actor=qp, batch=batch, password=PASSWORD, reason="sterility in: no growth")
    assert made.pk == disposition.pk and made.status == "certified"
    assert made.pending  # the conditional release's list stays in the record


def _decide(name, batch, qp, password):
    if name == "certify":
        return svc.certify(actor=qp, batch=batch, password=password, reason="release")
    if name == "release_conditionally":
        expected = {"2": _in_days(14)}
        return svc.release_conditionally(actor=qp, batch=batch, expected=expected, password=password, reason="urgent")
    return svc.reject(actor=qp, batch=batch, password=password, reason="potency out of trend")


@pytest.mark.parametrize("name", ["certify", "release_conditionally", "reject"])
def test_a_refused_signature_leaves_no_disposition_written(qa_reviewer, petra, name):
    sterility = None if name == "release_conditionally" else "conforms"
    batch = lf.make_certifiable_batch(actor=qa_reviewer, sterility=sterility)
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with pytest.raises(SignatureRefused, match="password is wrong"):
        _decide(name, batch, petra, "not the password")
    assert not svc.dispositions().filter(batch=batch).exists()
    # Only the refusal is audited: the failed re-authentication and the refused signing attempt.
    written = list(AuditEntry.objects.filter(seq__gt=before).order_by("seq"))
    assert [(e.action, e.actor_id) for e in written] == [("sign_auth_failed", petra.pk), ("sign_failed", petra.pk)]
    assert written[1].record_type == "lab.batchdisposition" and written[1].record_id is None
    assert batch.number in written[1].changes
    made = _decide(name, batch, petra, PASSWORD)  # the same decision, signed, opens it then
    created = AuditEntry.objects.get(record_type=made.record_type(), record_id=str(made.pk), action="create")
    signed = AuditEntry.objects.get(record_type=made.record_type(), record_id=str(made.pk), action="sign")
    assert created.actor_id is None and signed.actor_id == petra.pk


def test_a_signature_refused_inside_the_change_rolls_the_opening_back(batch, petra, monkeypatch):
    from atmp.ledger import signatures

    def refuse(ch, *, record, meaning):
        raise SignatureRefused("refused as the signature was applied")

    monkeypatch.setattr(signatures, "apply", refuse)
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with pytest.raises(SignatureRefused, match="as the signature was applied"):
        svc.certify(actor=petra, batch=batch, password=PASSWORD, reason="release")
    assert not svc.dispositions().filter(batch=batch).exists()
    written = AuditEntry.objects.filter(seq__gt=before)
    assert [(e.action, e.record_id) for e in written] == [("sign_failed", None)]


def test_a_qp_rejects_a_batch_and_the_decision_is_final(batch, petra):
    made = svc.reject(actor=petra, batch=batch, password=PASSWORD, reason="out of trend potency")
    assert made.status == "rejected"
    with pytest.raises(Conflict, match="final"):
        svc.certify(actor=petra, batch=batch, password=PASSWORD, reason="changed my mind")


def test_my_work_shows_a_qp_the_conditional_release_and_then_its_late_failing_result(qa_reviewer):
    from atmp.workflow.work import work_for

    disposition = lf.make_conditionally_released(actor=qa_reviewer)
    qp = lf.qp()
    mine = ("conditional release", "late result alert")
    items = [i for i in work_for(qp) if i.record == disposition.record_key and i.kind in mine]
    assert len(items) == 1 and items[0].kind == "conditional release" and "Sterility by" in items[0].detail
    batch = disposition.batch
    record_result(actor=batch.qc_analyst, sample=batch.sample, attribute="2", value="does not conform")
    items = [i for i in work_for(qp) if i.record == disposition.record_key and i.kind in mine]
    assert items[0].kind == "late result alert" and items[0].overdue
    assert not [i for i in work_for(batch.qc_analyst) if i.record == disposition.record_key]


def test_the_kernel_s_review_state_agrees_with_the_reviews_covering_each_entry(qa_reviewer):
    """review_state's shortcut (reviews made with this very selection) gives what `covering` alone gives."""
    from atmp.ledger import reviews, trail
    from atmp.manufacturing.services.batches import review_batch

    batch = lf.make_certifiable_batch(actor=qa_reviewer, review=False, audit=False)
    selection = trail.TrailFilter(record_type=batch.record_type(), record_id=str(batch.pk), with_parts=True)

    def same() -> None:
        seqs = list(trail.filtered(selection).order_by("seq").values_list("seq", flat=True))
        covered = reviews.covering(seqs)
        assert reviews.review_state(selection) == (len(seqs), [s for s in seqs if s not in covered])

    same()  # nothing reviewed
    reviewer = lf.make_user("qa_reviewer", password=PASSWORD)
    review_batch(actor=reviewer, batch=batch, password=PASSWORD, reason="reviewed by exception")
    lf.review_audit_trail(batch)
    same()  # all covered
    own = reviews.start_review(actor=reviewer, filter=selection, comment="mine left out")
    from atmp.accounts import signing

    signing.sign(signer=reviewer, record=own, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings")
    same()
