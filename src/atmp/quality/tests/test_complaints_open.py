"""Opening a complaint: its number, what it concerns, no personal data in clear, the PV flag and its notice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from atmp.accounts.errors import InvalidInput
from atmp.ledger.models import AuditEntry
from atmp.quality.models.complaints import Complaint
from atmp.quality.selectors.complaints import flagged_for_pv
from atmp.quality.services import complaints
from atmp.testing import make_site
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


def open_one(actor, site, **fields):
    fields.setdefault("title", "Cracked bag port")
    fields.setdefault("received_date", engine.today())
    fields.setdefault("source", "hospital")
    fields.setdefault("description", "The port of bag 2 was cracked on receipt")
    return complaints.open_complaint(actor=actor, site=site, **fields)


def test_a_complaint_is_numbered_by_the_year_received_and_linked_to_what_it_concerns(qa_reviewer, site):
    batch = make_site()  # stands in for a batch record
    made = open_one(qa_reviewer, site, concerns=[batch.record_key], reporter_reference="UZG-2026-117")
    assert made.number == f"CMP-{engine.today().year}-0001" and made.status == "received"
    assert [s.other_key for s in links.for_record(made)] == [batch.record_key]
    assert links.for_record(batch)[0].reads == "is concerned by"


def test_an_unknown_concerned_record_is_refused_and_nothing_is_written(qa_reviewer, site):
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput, match="concerns"):
        open_one(qa_reviewer, site, concerns=["trace.lot:999"])
    assert AuditEntry.objects.count() == before and not Complaint.objects.exists()


def test_an_e_mail_address_as_reporter_reference_is_refused(qa_reviewer, site):
    with pytest.raises(InvalidInput, match="reporter_reference"):
        open_one(qa_reviewer, site, reporter_reference="jan.peeters@example.org")


def test_a_complaint_received_in_the_future_is_refused(qa_reviewer, site):
    with pytest.raises(InvalidInput, match="received_date"):
        open_one(qa_reviewer, site, received_date=engine.today() + dt.timedelta(days=1))


def test_an_unknown_source_is_refused(qa_reviewer, site):
    with pytest.raises(InvalidInput, match="source"):
        open_one(qa_reviewer, site, source="neighbour")


def test_a_possible_adverse_reaction_notifies_the_pv_officers_and_is_listed(
    qa_reviewer, site, pv_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        flagged = open_one(qa_reviewer, site, possible_adverse_reaction=True)
        open_one(qa_reviewer, site, title="Late delivery")
    assert [m.to for m in mail.outbox] == [[pv_officer.email]]
    assert flagged.number in mail.outbox[0].subject
    assert list(flagged_for_pv()) == [flagged]


def test_flagging_later_notifies_too(qa_reviewer, site, pv_officer, django_capture_on_commit_callbacks):
    made = open_one(qa_reviewer, site)
    with django_capture_on_commit_callbacks(execute=True):
        complaints.update_complaint(
            actor=qa_reviewer,
            complaint=made,
            reason="fever reported",
            version=made.version,
            possible_adverse_reaction=True,
        )
    assert len(mail.outbox) == 1 and made.possible_adverse_reaction


def test_a_name_as_reporter_reference_is_refused(qa_reviewer, site):
    with pytest.raises(InvalidInput, match="no spaces"):
        open_one(qa_reviewer, site, reporter_reference="Jan Peeters")
