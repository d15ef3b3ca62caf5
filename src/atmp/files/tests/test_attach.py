"""Attaching a file to any record, and detaching it: audited, refused for unknown or voided records."""

from __future__ import annotations

import io

import pytest

from atmp.accounts import services as accounts
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.files import selectors, services
from atmp.files.models import Attachment, StoredFile
from atmp.ledger.errors import ReasonRequired, RecordVoided
from atmp.ledger.models import AuditEntry
from atmp.testing import make_site, make_stored_file

from .conftest import PDF

pytestmark = pytest.mark.django_db


def upload(actor, record, **kwargs):
    fields = {"name": "protocol.pdf", "reason": "the signed protocol", **kwargs}
    return services.store_and_attach(actor=actor, record=record, stream=io.BytesIO(PDF), **fields)


def test_it_stores_and_attaches_in_one_change_bound_to_the_records_site(qa_reviewer, site):
    attachment = upload(qa_reviewer, site, note="as signed on paper")
    assert (attachment.target_type, attachment.target_id) == ("accounts.site", str(site.pk))
    assert attachment.note == "as signed on paper"
    assert attachment.site_id == site.pk and attachment.stored_file.site_id == site.pk
    entries = AuditEntry.objects.filter(record_type__startswith="files.").order_by("seq")
    assert [e.record_type for e in entries] == ["files.storedfile", "files.attachment"]
    assert {e.reason for e in entries} == {"the signed protocol"}
    assert list(selectors.attachments_of(site)) == [attachment]


def test_an_existing_stored_file_is_attached_to_another_record(qa_reviewer, site):
    stored = make_stored_file(actor=qa_reviewer)
    other = make_site(actor=qa_reviewer, code="GNT")
    attachment = services.attach(actor=qa_reviewer, record=other, stored_file=stored, reason="also for Ghent")
    assert attachment.stored_file == stored and attachment.target_id == str(other.pk)


def test_an_unknown_record_is_refused_and_nothing_is_written(qa_reviewer, file_home):
    before = AuditEntry.objects.count()
    for ref in [("accounts.site", "999"), ("quality.nothing", "1"), ("accounts.site", "x")]:
        with pytest.raises(InvalidInput, match=f"there is no record {ref[0]}:{ref[1]}"):
            services.find_record(actor=qa_reviewer, record_type=ref[0], record_id=ref[1])
    assert AuditEntry.objects.count() == before and not file_home.exists()


def test_a_voided_record_takes_no_attachment_and_no_byte_is_kept(qa_reviewer, site, file_home):
    accounts.void_site(actor=qa_reviewer, site=site, reason="closed")
    with pytest.raises(RecordVoided, match="voided"):
        upload(qa_reviewer, site)
    assert StoredFile.objects.count() == 0 and not file_home.exists()


def test_attaching_needs_a_reason_and_the_records_write_permission(qa_reviewer, operator, site):
    with pytest.raises(ReasonRequired):
        upload(qa_reviewer, site, reason="  ")
    with pytest.raises(NotAllowed, match="sites.manage"):  # an operator may not change a site
        upload(operator, site)
    assert Attachment.objects.count() == 0


def test_a_user_of_another_site_cannot_attach_to_a_record_they_do_not_see(qa_reviewer, site):
    from atmp.testing import make_user

    ghent = make_site(actor=qa_reviewer, code="GNT")
    outsider = make_user("qa_reviewer", username="gus", site=ghent)
    with pytest.raises(InvalidInput, match="there is no record"):
        services.find_record(actor=outsider, record_type="accounts.site", record_id=str(site.pk))


def test_detaching_voids_the_attachment_with_its_reason_and_keeps_the_file(qa_reviewer, site):
    attachment = upload(qa_reviewer, site)
    services.detach(actor=qa_reviewer, attachment=attachment, reason="wrong version attached")
    attachment.refresh_from_db()
    assert attachment.voided and attachment.status == "voided"
    assert StoredFile.objects.filter(pk=attachment.stored_file_id, voided=False).exists()
    assert list(selectors.attachments_of(site)) == []
    assert list(selectors.attachments_of(site, with_detached=True)) == [attachment]
    last = AuditEntry.objects.filter(record_type="files.attachment").order_by("seq").last()
    assert last.action == "void" and last.reason == "wrong version attached"
    with pytest.raises(RecordVoided):
        services.detach(actor=qa_reviewer, attachment=attachment, reason="again")
