"""Reading a scan back (trace.selectors.scan.read): a lot number, a COI, a GS1 element string (with the
group separator, without it, or human-readable) or ISBT 128 structures, to the lot and patient they
name; what disagrees with the stored lot, or names nothing, is refused naming the identifier and the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.trace import factories
from atmp.trace.selectors import scan
from atmp.trace.selectors.scan import ScanRefused
from atmp.trace.services.materials import set_label_codes

pytestmark = pytest.mark.django_db
GS = "\x1d"
EXPIRY = dt.date(2030, 12, 31)


@pytest.fixture
def patient(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


@pytest.fixture
def other(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


@pytest.fixture
def bag(qa_reviewer, site, product, patient):
    """A bag of drug product made from the patient's own apheresis."""
    apheresis = factories.make_material(actor=qa_reviewer, code="APH-1", name="Apheresis", type="starting_material")
    donation = factories.make_lot(actor=qa_reviewer, number="APH-0001", material=apheresis, site=site, donor=patient)
    made = factories.make_lot(actor=qa_reviewer, number="DP-0042", material=product, site=site, expiry_date=EXPIRY)
    factories.link_lots(actor=qa_reviewer, input=donation, output=made)
    set_label_codes(actor=qa_reviewer, material=product, gtin="09501101530003", reason="labels")
    made.refresh_from_db()
    return made


def gs1(coi, lot="DP-0042", expiry="301231", gtin="09501101530003"):
    return f"]d201{gtin}17{expiry}240{coi}{GS}10{lot}"


def test_a_typed_lot_number_names_the_lot_and_its_patient(bag, patient):
    found = scan.read("  DP-0042\r\n")
    assert (found.kind, found.lot, found.person) == ("lot", bag, patient)
    assert found.document() == {"kind": "lot", "lot": "DP-0042", "coi": patient.coi, "identifiers": {"lot": "DP-0042"}}


def test_a_typed_coi_names_the_person(patient):
    found = scan.read(patient.coi)
    assert (found.kind, found.lot, found.person) == ("coi", None, patient)


@pytest.mark.parametrize(
    "typed",
    [
        lambda coi: gs1(coi),
        lambda coi: gs1(coi).removeprefix("]d2"),  # a scanner that sends no symbology identifier
        lambda coi: f"(01)09501101530003(17)301231(240){coi}(10)DP-0042",  # the human-readable form
        lambda coi: gs1(coi).replace(GS, ""),  # a keyboard that dropped the group separator
    ],
)
def test_the_gs1_element_string_of_a_label_names_the_lot_and_its_patient(bag, patient, typed):
    found = scan.read(typed(patient.coi))
    assert (found.kind, found.lot, found.person) == ("gs1", bag, patient)


def test_a_label_of_another_patient_is_a_mix_up(bag, patient, other):
    with pytest.raises(ScanRefused) as refused:
        scan.read(gs1(other.coi))
    assert refused.value.field == "scan.gs1.240"
    assert f"COI {other.coi} does not match lot DP-0042, which is patient {patient.coi}'s: a mix-up" in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("typed", "field", "rule"),
    [
        (lambda c: gs1(c, expiry="301230"), "scan.gs1.17", "expiry 2030-12-30 is not lot DP-0042's \\(2030-12-31\\)"),
        (lambda c: gs1(c, gtin="09501101530010"), "scan.gs1.01", "GTIN 09501101530010 is not the GTIN of lot DP-0042"),
        (lambda c: gs1(c, lot="DP-9999"), "scan.gs1.10", "there is no lot 'DP-9999'"),
        (lambda c: gs1("LEI-P-999999-X"), "scan.gs1.240", "there is no person of COI 'LEI-P-999999-X'"),
        (lambda c: gs1(c, gtin="09501101530004"), "scan.gs1.01", "check digit"),
        (lambda c: "]d217301231", "scan.gs1", "names no lot \\(AI 10\\) and no COI \\(AI 240\\)"),
        (lambda c: "LEI-P-000001-Z", "scan.coi", "check character is wrong"),
        (lambda c: "NOTHING-HERE", "scan", "no lot number or COI known here"),
        (lambda c: " \r\n", "scan", "empty"),
        (lambda c: "DP-\x070042", "scan", "control character 0x07"),
        (lambda c: "=G12349865432177", "scan.isbt128.001", "there is no lot of DIN G123498654321"),
        (lambda c: "=G12349865432176", "scan.isbt128.001.flags", "type 3 flag characters 76"),
        (lambda c: "=<S1295100", "scan.isbt128", "no DIN"),
    ],
)
def test_a_scan_that_names_nothing_stored_or_disagrees_is_refused(bag, patient, typed, field, rule):
    with pytest.raises(ScanRefused, match=rule) as refused:
        scan.read(typed(patient.coi))
    assert refused.value.field == field


def test_a_viewer_reads_only_the_lots_of_their_sites(bag, patient):
    from atmp.testing import make_site, make_user

    elsewhere = make_user("operator", site=make_site(code="AMS"))
    with pytest.raises(ScanRefused, match="no lot number or COI known here"):
        scan.read("DP-0042", viewer=elsewhere)
