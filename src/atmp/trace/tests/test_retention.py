"""Retention: each traceability record's end (30 years after the last expiry it leads to) and the voids
it refuses before then; a record nothing relies on yet may be voided as a correction."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from atmp.ledger.errors import RuleViolation
from atmp.trace import factories
from atmp.trace.models import Administration, Lot, Use
from atmp.trace.retention import retention_end, years_after
from atmp.trace.services.void import void_record

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture
def chain(qa_reviewer, qa_approver, site):
    """Reagent R (expires in 1 year) → batch B (released, expires in 2) → product D (released, in 3), given to P."""
    r = factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, site=site, expiry_date=TODAY + dt.timedelta(days=365)
    )
    b = factories.make_lot(actor=qa_reviewer, site=site, expiry_date=TODAY + dt.timedelta(days=730))
    use = factories.make_use(actor=qa_reviewer, input=r, output=b)
    factories.release(b, approver=qa_approver)
    d = factories.make_lot(actor=qa_reviewer, site=site, expiry_date=TODAY + dt.timedelta(days=1095))
    factories.make_use(actor=qa_reviewer, input=b, output=d)
    factories.release(d, approver=qa_approver)
    given = factories.make_administration(actor=qa_reviewer, lot=d)
    return {"R": r, "B": b, "D": d, "use": use, "given": given}


def test_a_lot_is_kept_30_years_after_the_last_expiry_of_what_was_made_with_it(chain):
    last = TODAY + dt.timedelta(days=1095)
    assert retention_end(chain["R"]) == years_after(last) == last.replace(year=last.year + 30)
    assert retention_end(chain["D"]) == years_after(last)


def test_a_use_and_an_administration_are_kept_as_long_as_the_product_they_lead_to(chain):
    assert retention_end(chain["use"]) == years_after(TODAY + dt.timedelta(days=1095))
    assert retention_end(chain["given"]) == years_after(TODAY + dt.timedelta(days=1095))


def test_a_lot_leading_to_a_lot_without_expiry_has_no_end_yet(qa_reviewer, qa_approver, site):
    r = factories.make_released_lot(actor=qa_reviewer, approver=qa_approver, site=site)
    factories.make_use(
        actor=qa_reviewer, input=r, output=factories.make_lot(actor=qa_reviewer, site=site, expiry_date=None)
    )
    assert retention_end(r) is None


def test_29_february_ends_on_28_february(db):
    assert years_after(dt.date(2028, 2, 29)) == dt.date(2058, 2, 28)


def test_the_api_and_the_cli_show_the_retention_end(chain, qa_reviewer):
    from atmp.testing import ApiClient, token_for
    from atmp.trace.tests.clirunner import atmp, doc

    expected = years_after(TODAY + dt.timedelta(days=1095)).isoformat()
    assert ApiClient(token_for(qa_reviewer)).get(f"/trace/lots/{chain['R'].number}").json()["retention_end"] == expected
    assert doc(atmp("lot", "show", chain["R"].number, "--json"))["retention_end"] == expected


def test_a_lot_with_live_uses_is_never_voided(chain, qa_reviewer):
    with pytest.raises(RuleViolation, match=f"lot {chain['R'].number} is relied on by 1 use"):
        void_record(actor=qa_reviewer, record=chain["R"], reason="received by mistake")
    assert not Lot.objects.get(pk=chain["R"].pk).voided


def test_a_person_given_a_lot_is_never_voided(chain, qa_reviewer):
    patient = chain["given"].patient
    with pytest.raises(RuleViolation, match=re.escape(f"person {patient.coi} is relied on by 1 administration")):
        void_record(actor=qa_reviewer, record=patient, reason="registered twice")


def test_a_use_whose_output_was_released_is_kept_until_its_retention_end(chain, qa_reviewer):
    ends = retention_end(chain["use"]).isoformat()
    with pytest.raises(RuleViolation, match=f"use {chain['use'].record_key} .* is kept until {ends}"):
        void_record(actor=qa_reviewer, record=chain["use"], reason="wrong lot")
    assert not Use.objects.get(pk=chain["use"].pk).voided


def test_an_administration_is_kept_until_its_retention_end(chain, qa_reviewer):
    given = chain["given"]
    with pytest.raises(RuleViolation, match=f"administration {given.record_key} .* until .*1394/2007 Art. 15"):
        void_record(actor=qa_reviewer, record=given, reason="wrong patient")
    assert not Administration.objects.get(pk=given.pk).voided


def test_a_mistaken_entry_nothing_relies_on_is_voided_as_a_correction(qa_reviewer, qa_approver, site):
    r = factories.make_released_lot(actor=qa_reviewer, approver=qa_approver, site=site)
    made = factories.make_lot(actor=qa_reviewer, site=site)
    use = factories.make_use(actor=qa_reviewer, input=r, output=made)  # made is still in quarantine
    assert void_record(actor=qa_reviewer, record=use, reason="recorded into the wrong batch").voided
    assert void_record(actor=qa_reviewer, record=made, reason="received twice").voided  # nothing relies on it now
    person = factories.make_person(actor=qa_reviewer, site=site)
    assert void_record(actor=qa_reviewer, record=person, reason="registered twice").voided


def test_an_administration_past_its_retention_end_may_be_voided(qa_reviewer, site):
    old = factories.make_lot(actor=qa_reviewer, site=site, expiry_date=dt.date(1990, 1, 1))
    given = factories.give_lot(actor=qa_reviewer, lot=old, patient=factories.make_person(actor=qa_reviewer, site=site))
    assert retention_end(given) == dt.date(2020, 1, 1)
    assert void_record(actor=qa_reviewer, record=given, reason="end of retention").voided


def test_the_api_refuses_a_void_with_422_naming_the_record_and_the_date(chain, qa_reviewer):
    from atmp.testing import ApiClient, token_for

    api = ApiClient(token_for(qa_reviewer))
    refused = api.post("/trace/void", {"record": chain["given"].record_key, "reason": "wrong patient"})
    assert refused.status_code == 422 and chain["given"].record_key in refused.json()["detail"]
    assert retention_end(chain["given"]).isoformat() in refused.json()["detail"]
    unknown = api.post("/trace/void", {"record": "trace.lot:999999", "reason": "x"})
    assert unknown.status_code in (400, 422) and "trace.lot:999999" in str(unknown.json())


def test_the_cli_refuses_a_void_with_exit_2(chain, qa_reviewer):
    from atmp.trace.tests.clirunner import atmp

    result = atmp("void", chain["use"].record_key, "--reason", "wrong lot", "--as", "rita")
    assert result.exit_code == 2 and "kept until" in result.stderr
