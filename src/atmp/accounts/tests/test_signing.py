"""Electronic signatures: re-authentication, roles, segregation of duties, binding, supersession."""

from __future__ import annotations

import pytest

from atmp.accounts import services, signing
from atmp.accounts.errors import NotAllowed
from atmp.ledger import signatures
from atmp.ledger.errors import SignatureRefused
from atmp.ledger.models import AuditEntry, Signature
from atmp.testing import PASSWORD, rename_site

pytestmark = pytest.mark.django_db


def test_it_signs_the_current_version_and_records_it(site, qa_approver):
    sig = signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    assert (sig.record_version, sig.snapshot_hash) == (site.version, site.snapshot_hash())
    assert sig.signer_name == "Alex Approver" and sig.signed_at.endswith("Z")
    entry = AuditEntry.objects.get(seq=sig.entry_seq)
    assert entry.action == "sign" and entry.record_version == site.version
    from atmp.ledger import keys

    assert signatures.counter_signature_holds(sig, keys.public_key())


def test_it_refuses_a_wrong_password_and_audits_the_attempt(site, qa_approver):
    with pytest.raises(SignatureRefused, match="password is wrong"):
        signing.sign(signer=qa_approver, record=site, meaning="approved", password="wrong")
    assert not Signature.objects.exists()
    assert AuditEntry.objects.filter(action="sign_failed").count() == 1


def test_the_author_cannot_approve_their_own_record(site, qa_reviewer):
    qa_reviewer_as_approver = qa_reviewer
    with pytest.raises(SignatureRefused, match="segregation of duties"):
        signing.sign(signer=qa_reviewer_as_approver, record=site, meaning="reviewed", password=PASSWORD)
    assert AuditEntry.objects.filter(action="sign_failed").exists()


def test_it_refuses_a_meaning_the_role_does_not_allow(site, operator):
    with pytest.raises(SignatureRefused, match="do not allow signing sites as 'Approved'"):
        signing.sign(signer=operator, record=site, meaning="approved", password=PASSWORD)


def test_it_refuses_a_second_signature_with_the_same_meaning_on_the_same_version(site, qa_approver):
    signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    with pytest.raises(SignatureRefused, match="already carries"):
        signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)


def test_a_later_change_supersedes_the_signature(site, qa_approver, qa_reviewer):
    signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    rename_site(site, "Leiden II", actor=qa_reviewer, reason="renamed")
    shown = signatures.for_record(site)
    assert [s.superseded for s in shown] == [True]


def test_inspectors_and_administrators_cannot_sign(site, inspector, sysadmin):
    for user in (inspector, sysadmin):
        with pytest.raises(SignatureRefused, match="do not allow"):
            signing.sign(signer=user, record=site, meaning="reviewed", password=PASSWORD)


def test_the_administrator_cannot_create_gmp_records(sysadmin):
    with pytest.raises(NotAllowed, match="sites.manage"):
        services.create_site(actor=sysadmin, code="X1", name="Nope")


def test_the_inspector_cannot_change_anything(inspector, site):
    with pytest.raises(NotAllowed):
        services.update_site(actor=inspector, site=site, reason="x", name="y")


def test_audit_trail_reviewed_belongs_on_review_records_only(site, qa_approver):
    from atmp.testing import make_review

    with pytest.raises(SignatureRefused, match="sites are not signed 'Audit trail reviewed'"):
        signing.sign(signer=qa_approver, record=site, meaning="audit_trail_reviewed", password=PASSWORD)
    review = make_review(actor=qa_approver)
    with pytest.raises(SignatureRefused, match="audit trail reviews are not signed 'Approved'"):
        signing.sign(signer=qa_approver, record=review, meaning="approved", password=PASSWORD)


def test_a_failed_signing_attempt_is_attributed_to_the_signer(site, qa_approver, settings):
    settings.ATMP_LOCKOUT_THRESHOLD = 2
    for _ in range(2):
        with pytest.raises(SignatureRefused):
            signing.sign(signer=qa_approver, record=site, meaning="approved", password="wrong")
    refusals = AuditEntry.objects.filter(action__in=["sign_auth_failed", "lockout", "sign_failed"])
    assert sorted(set(refusals.values_list("action", flat=True))) == ["lockout", "sign_auth_failed", "sign_failed"]
    assert set(refusals.values_list("actor_id", "actor_name")) == {(qa_approver.pk, "Alex Approver")}
