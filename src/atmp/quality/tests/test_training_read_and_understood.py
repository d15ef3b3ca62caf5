"""Read-and-understood: the trainee's e-signature of the effective version, written with their training record."""

from __future__ import annotations

import pytest

from atmp.ledger import verify
from atmp.ledger.errors import Conflict, RuleViolation, SignatureRefused
from atmp.ledger.models import AuditEntry, Signature
from atmp.quality.models.documents import TrainingRecord
from atmp.quality.services import documents
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_trainee_signs_the_effective_version(effective, operator):
    record = documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    sig = Signature.objects.get(record_type="quality.trainingrecord", record_id=str(record.pk))
    assert (sig.meaning, sig.signer_id) == ("read_understood", operator.pk)
    assert record.document_version == effective and record.version_snapshot_hash == effective.snapshot_hash()
    assert verify.run().ok


def test_many_people_sign_the_same_version(effective, operator, qa_approver, qa_reviewer):
    for person in (operator, qa_approver, qa_reviewer):  # the author and the approver are trained too
        documents.read_and_understood(actor=person, version=effective, password=PASSWORD)
    assert TrainingRecord.objects.filter(document_version=effective).count() == 3


def test_a_draft_is_not_signed_read_and_understood(draft, operator):
    with pytest.raises(RuleViolation, match="effective version only"):
        documents.read_and_understood(actor=operator, version=draft, password=PASSWORD)
    assert not TrainingRecord.objects.exists()


def test_signing_twice_is_refused(effective, operator):
    documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)
    with pytest.raises(Conflict, match="already"):
        documents.read_and_understood(actor=operator, version=effective, password=PASSWORD)


def test_a_wrong_password_is_refused_and_audited_against_the_version(effective, operator):
    with pytest.raises(SignatureRefused, match="password is wrong"):
        documents.read_and_understood(actor=operator, version=effective, password="wrong")
    assert not TrainingRecord.objects.exists()
    last = AuditEntry.objects.filter(record_type="quality.documentversion", record_id=str(effective.pk)).last()
    assert last.action == "sign_failed"


def test_an_inspector_cannot_sign(effective, inspector):
    with pytest.raises(SignatureRefused, match="do not allow"):
        documents.read_and_understood(actor=inspector, version=effective, password=PASSWORD)


def test_read_and_understood_is_not_a_default_meaning_of_other_records(site, operator):
    from atmp.accounts import signing

    assert "read_understood" not in signing.allowed_meanings(operator, site)


def test_a_trainee_bound_to_one_site_signs_a_company_wide_document(effective, site):
    # Training is personal: the signature concerns the trainee's own record, at the trainee's sites.
    from atmp.testing import make_user

    assert effective.document.site is None
    local = make_user("operator", username="lena", password=PASSWORD, site=site)
    record = documents.read_and_understood(actor=local, version=effective, password=PASSWORD)
    assert record.user == local and record.concerned_site_ids() == frozenset({site.pk})
    assert verify.run().ok


def test_a_trainee_of_another_site_cannot_sign_a_site_document(qa_reviewer, qa_approver, site):
    from atmp.quality.factories import make_document, make_effective_version
    from atmp.testing import make_site, make_user

    other = make_site(actor=qa_reviewer, code="AMS", name="Amsterdam")
    document = make_document(actor=qa_reviewer, title="Leiden cleaning", site=site)
    version = make_effective_version(actor=qa_reviewer, approver=qa_approver, password=PASSWORD, document=document)
    elsewhere = make_user("operator", username="otto", password=PASSWORD, site=other)
    with pytest.raises(SignatureRefused):
        documents.read_and_understood(actor=elsewhere, version=version, password=PASSWORD)
    assert not TrainingRecord.objects.exists()
