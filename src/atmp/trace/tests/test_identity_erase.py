"""Erasing at the end of retention: the person's data key is destroyed; the ciphertext and its proof stay."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.ledger import verify
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.trace import factories
from atmp.trace.models import Identity
from atmp.trace.services.identities import erase_identity, find, retention_end, reveal

pytestmark = pytest.mark.django_db


def test_a_person_reached_by_no_lot_may_be_erased_at_once(coordinator, jane):
    assert retention_end(jane) <= dt.date.today()
    erased = erase_identity(actor=coordinator, person=jane, reason="consent withdrawn before any donation")
    row = Identity.objects.get(pk=erased.pk)
    assert row.erased and row.wrapped_key == "" and row.hospital_number_index == row.name_birth_date_index == ""
    assert bytes(row.ciphertext)  # kept: its SHA-256 is in the ledger, and nobody can open it
    with pytest.raises(Conflict, match="erased"):
        reveal(actor=coordinator, person=jane, purpose="follow-up")
    assert find(actor=coordinator, hospital_number="UZL-7731942", purpose="registration check").persons == []
    report = verify.run(processes=1)
    assert report.ok, report.failures
    assert report.checked["identities_erased"] == 1


def test_a_patient_given_a_product_is_kept_30_years_after_its_expiry(coordinator, qa_reviewer, jane):
    expiry = dt.date.today() + dt.timedelta(days=100)
    factories.make_administration(
        actor=qa_reviewer,
        patient=jane,
        lot=factories.make_released_lot(
            actor=qa_reviewer,
            site=jane.site,
            expiry_date=expiry,
            material=factories.make_material(actor=qa_reviewer, type="drug_product", unit="{bag}"),
        ),
    )
    assert retention_end(jane) == expiry.replace(year=expiry.year + 30)
    with pytest.raises(RuleViolation, match=f"kept until {expiry.year + 30}"):
        erase_identity(actor=coordinator, person=jane, reason="end of retention")
    assert not Identity.objects.get(person=jane).erased


def test_a_donor_whose_lot_has_no_expiry_is_kept(coordinator, qa_reviewer, site):
    donor = factories.make_person_with_identity(actor=coordinator, kind="donor", site=site)
    apheresis = factories.make_material(actor=qa_reviewer, type="starting_material", unit="mL")
    factories.make_lot(actor=qa_reviewer, site=site, material=apheresis, donor=donor, expiry_date=None)
    assert retention_end(donor) is None
    with pytest.raises(RuleViolation, match="no expiry date"):
        erase_identity(actor=coordinator, person=donor, reason="end of retention")
