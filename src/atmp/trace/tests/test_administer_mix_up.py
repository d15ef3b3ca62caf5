"""Every recorded administration refuses a product meant for another patient, in the same words, writing
nothing: the plain path (service, API, CLI), the bedside (which keeps the blocked attempt and its
deviation, ADR 0017) and the bulk import (the whole file refused, naming the line)."""

from __future__ import annotations

import re

import pytest

from atmp.ledger.errors import RuleViolation
from atmp.ledger.models import AuditEntry, LedgerHead
from atmp.testing import ApiClient, token_for
from atmp.trace import factories
from atmp.trace.models import Administration, Handover, Lot, Person
from atmp.trace.services.custody import HandoverBlocked, administer_by_scan
from atmp.trace.services.genealogy import administer
from atmp.trace.services.imports import ImportRefused, import_lines
from atmp.trace.tests.clirunner import atmp
from atmp.trace.tests.import_files import PRODUCT, jsonl, lot, use

pytestmark = pytest.mark.django_db


def made_for(bag, owner, other):
    return f"lot {bag.number} is made for {owner.coi}, not for {other.coi}: a mix-up"


@pytest.fixture
def allo(qa_reviewer, qa_approver, site):
    return factories.make_allogeneic_product(actor=qa_reviewer, site=site, approver=qa_approver)


def test_the_service_refuses_an_autologous_product_for_another_patient_and_writes_nothing(operator, anna, bert):
    owner, _apheresis, bag = anna
    before = LedgerHead.objects.get().size
    with pytest.raises(RuleViolation, match=re.escape(made_for(bag, owner, bert[0]))):
        administer(actor=operator, lot=bag, patient=bert[0])
    assert LedgerHead.objects.get().size == before and not Administration.objects.exists()
    assert administer(actor=operator, lot=bag, patient=owner).patient == owner


def test_an_allogeneic_product_goes_to_the_patient_it_was_shipped_for(operator, qa_reviewer, site, allo):
    meant, other = (factories.make_person(actor=qa_reviewer, kind="patient", site=site) for _ in range(2))
    factories.make_shipment(actor=operator, lots=[allo[2]], patient=meant.coi)
    rule = f"lot {allo[2].number} was shipped for {meant.coi}, not for {other.coi}: a mix-up"
    with pytest.raises(RuleViolation, match=re.escape(rule)):
        administer(actor=operator, lot=allo[2], patient=other)
    assert not Administration.objects.filter(lot=allo[2]).exists()
    assert administer(actor=operator, lot=allo[2], patient=meant, quantity="1").patient == meant


def test_an_allogeneic_product_shipped_for_no_patient_is_not_a_mix_up_on_the_plain_path(operator, qa_reviewer, allo):
    # Nothing binds it to a patient, so nothing is mixed up; the bedside, which must bind the bag to the
    # wristband, refuses it until it is shipped for the patient (test_custody_allogeneic).
    patient = factories.make_person(actor=qa_reviewer, kind="patient", site=allo[2].site)
    assert administer(actor=operator, lot=allo[2], patient=patient, quantity="1").patient == patient


def test_the_api_refuses_a_mix_up_with_422_naming_the_rule(operator, anna, bert):
    api = ApiClient(token_for(operator))
    before = LedgerHead.objects.get().size
    answer = api.post("/trace/administrations", {"lot": anna[2].number, "patient": bert[0].coi})
    assert answer.status_code == 422
    assert made_for(anna[2], anna[0], bert[0]) in answer.content.decode()
    assert LedgerHead.objects.get().size == before


def test_the_cli_refuses_a_mix_up_with_exit_2_naming_the_rule(operator, anna, bert):
    result = atmp("administer", anna[2].number, bert[0].coi, "--as", "olga")
    assert result.exit_code == 2
    assert made_for(anna[2], anna[0], bert[0]) in result.output
    assert not Administration.objects.exists()


def test_the_bedside_blocks_a_mix_up_in_the_same_words(operator, anna, bert):
    with pytest.raises(HandoverBlocked, match=re.escape(f"product_scan: {made_for(bert[2], bert[0], anna[0])}")):
        administer_by_scan(
            actor=operator, patient_scan=anna[0].coi, product_scan=bert[2].number, place="LUMC ward 4, bed 12"
        )
    blocked = Handover.objects.get()
    assert blocked.outcome == "blocked" and blocked.rule == made_for(bert[2], bert[0], anna[0])
    assert not Administration.objects.exists()


def _refused(actor, site, data):
    before = LedgerHead.objects.get().size
    counts = [m.objects.count() for m in (Lot, Person, Administration)]
    with pytest.raises(ImportRefused) as caught:
        import_lines(actor=actor, site=site, data=data)
    assert LedgerHead.objects.get().size == before
    assert [m.objects.count() for m in (Lot, Person, Administration)] == counts
    return [(e.line, e.field, e.rule) for e in caught.value.errors]


APHERESIS = {"kind": "material", "code": "APH-9", "name": "Apheresis", "type": "starting_material", "unit": "mL"}


def _autologous_file(given_to: str):
    return jsonl(
        APHERESIS,
        PRODUCT,
        {"kind": "patient", "coi": "PX-1"},
        {"kind": "patient", "coi": "PX-2"},
        lot("APH-1", "APH-9", donor="PX-1", status="released", expiry="2030-01-01"),
        lot("DP-1", "DP-9", "2", status="released", expiry="2030-01-01"),
        use("APH-1", "DP-1", "50"),
        {"kind": "administration", "lot": "DP-1", "patient": given_to, "at": "2026-11-01T10:00:00+00:00"},
    )


def test_the_import_refuses_the_whole_file_naming_the_line_of_a_mix_up(qa_approver, site):
    errors = _refused(qa_approver, site, _autologous_file("PX-2"))
    assert errors == [(8, "patient", "lot DP-1 is made for PX-1, not for PX-2: a mix-up")]
    assert import_lines(actor=qa_approver, site=site, data=_autologous_file("PX-1")).counts["administration"] == 1


def test_the_import_refuses_a_stored_product_meant_for_another_patient(qa_approver, operator, site, anna, bert, allo):
    carl = factories.make_person(actor=operator, kind="patient", site=site)
    factories.make_shipment(actor=operator, lots=[allo[2]], patient=carl.coi)
    at = "2026-11-01T10:00:00+00:00"
    errors = _refused(
        qa_approver,
        site,
        jsonl(
            {"kind": "administration", "lot": anna[2].number, "patient": bert[0].coi, "at": at},
            {"kind": "administration", "lot": allo[2].number, "patient": bert[0].coi, "at": at, "quantity": "1"},
            {"kind": "administration", "lot": bert[2].number, "patient": bert[0].coi, "at": at},
        ),
    )
    assert errors == [
        (1, "patient", made_for(anna[2], anna[0], bert[0])),
        (2, "patient", f"lot {allo[2].number} was shipped for {carl.coi}, not for {bert[0].coi}: a mix-up"),
    ]


def test_the_import_finds_the_patient_through_stored_and_imported_uses(qa_approver, site, anna, bert):
    # A new bag made in the file from Anna's stored apheresis (through an imported intermediate) is hers.
    errors = _refused(
        qa_approver,
        site,
        jsonl(
            PRODUCT,
            lot("INT-1", anna[1].material.code, "10"),
            lot("DP-2", "DP-9", "1", status="released", expiry="2030-01-01"),
            use(anna[1].number, "INT-1", "10"),
            use("INT-1", "DP-2", "5"),
            {"kind": "administration", "lot": "DP-2", "patient": bert[0].coi, "at": "2026-11-01T10:00:00+00:00"},
        ),
    )
    assert errors == [(6, "patient", f"lot DP-2 is made for {anna[0].coi}, not for {bert[0].coi}: a mix-up")]
    assert AuditEntry.objects.filter(record_type="trace.administration").count() == 0


def test_a_pooled_product_is_made_for_no_one_patient_and_a_cycle_does_not_stop_the_check(qa_approver, site):
    pooled = jsonl(
        APHERESIS,
        PRODUCT,
        {"kind": "patient", "coi": "PX-1"},
        {"kind": "patient", "coi": "PX-2"},
        lot("APH-1", "APH-9", donor="PX-1"),
        lot("APH-2", "APH-9", donor="PX-2"),
        lot("DP-1", "DP-9", "2", status="released", expiry="2030-01-01"),
        use("APH-1", "DP-1", "50"),
        use("APH-2", "DP-1", "50"),
        {"kind": "administration", "lot": "DP-1", "patient": "PX-2", "at": "2026-11-01T10:00:00+00:00"},
    )
    assert import_lines(actor=qa_approver, site=site, data=pooled, dry_run=True).counts["administration"] == 1
    cyclic = jsonl(
        APHERESIS,
        {"kind": "patient", "coi": "PX-1"},
        {"kind": "patient", "coi": "PX-2"},
        lot("APH-1", "APH-9", donor="PX-1"),
        lot("M-1", "APH-9"),
        lot("M-2", "APH-9"),
        use("APH-1", "M-1"),
        use("M-1", "M-2"),
        use("M-2", "M-1"),
        {"kind": "administration", "lot": "M-2", "patient": "PX-2", "at": "2026-11-01T10:00:00+00:00", "quantity": "1"},
    )
    errors = _refused(qa_approver, site, cyclic)
    assert [e[:2] for e in errors] == [(8, "output"), (9, "output"), (10, "patient")]
    assert errors[2][2] == "lot M-2 is made for PX-1, not for PX-2: a mix-up"
