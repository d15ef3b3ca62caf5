"""Printing a lot's label: GS1 DataMatrix (with the COI of a patient-specific product) or ISBT 128
symbols, as PDF and PNG in the site's sizes; every symbol, decoded as a scanner would, reads back
(trace.selectors.scan) to the same lot and patient."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from pypdf import PdfReader

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import RuleViolation
from atmp.trace import factories
from atmp.trace.selectors import scan
from atmp.trace.selectors.labels import render_label
from atmp.trace.services.labels import set_up_labels
from atmp.trace.services.materials import set_label_codes
from atmp.trace.tests.decoding import scans

pytestmark = pytest.mark.django_db
EXPIRY = dt.date(2030, 12, 31)
CODE = "S1295100"  # an ISBT 128 product code: a cellular therapy product, for autologous use only


@pytest.fixture
def patient(qa_reviewer, site):
    return factories.make_person(actor=qa_reviewer, kind="patient", site=site)


@pytest.fixture
def bag(qa_reviewer, qa_approver, site, product, patient):
    """An autologous drug product: made from the patient's apheresis, so made for that patient."""
    apheresis = factories.make_material(actor=qa_reviewer, code="APH-1", name="Apheresis", type="starting_material")
    donation = factories.make_released_lot(
        actor=qa_reviewer, approver=qa_approver, number="APH-0001", material=apheresis, site=site, donor=patient,
        expiry_date=EXPIRY,
    )  # fmt: skip
    made = factories.make_lot(
        actor=qa_reviewer, number="DP-0042", material=product, site=site, quantity="1", expiry_date=EXPIRY
    )
    factories.link_lots(actor=qa_reviewer, input=donation, output=made)
    set_label_codes(actor=qa_reviewer, material=product, gtin="09501101530003", reason="GTIN for labels")
    made.refresh_from_db()
    return made


def read_back(png: bytes) -> list[scan.Scanned]:
    return [scan.read(typed) for _, _, typed in scans(png)]


def test_a_patient_specific_label_carries_the_coi_and_reads_back_to_lot_and_patient(bag, patient):
    png, size = render_label(bag, fmt="png")
    assert size.name == "100x50mm"
    image = Image.open(io.BytesIO(png))
    assert image.size == (1181, 591) and round(image.info["dpi"][0]) == 300
    decoded = scans(png)
    assert decoded == [
        ("Data Matrix", "]d2", f"]d2010950110153000317301231240{patient.coi}\x1d10DP-0042"),
    ]
    (found,) = read_back(png)
    assert (found.kind, found.lot, found.person) == ("gs1", bag, patient)


@pytest.mark.parametrize(("name", "dots"), [("50x25mm", (591, 295)), ("4x6in", (1200, 1800))])
def test_each_standard_size_prints_at_its_exact_size_and_scans(bag, patient, name, dots):
    png, _ = render_label(bag, size=name, fmt="png")
    assert Image.open(io.BytesIO(png)).size == dots
    assert [(s.lot, s.person) for s in read_back(png)] == [(bag, patient)]


def test_the_pdf_is_one_page_of_the_size_with_the_coi_and_no_name(bag, patient):
    pdf, _ = render_label(bag, size="50x25mm", fmt="pdf")
    reader = PdfReader(io.BytesIO(pdf))
    (page,) = reader.pages
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in (page.mediabox.width, page.mediabox.height))
    assert (round(width_mm, 1), round(height_mm, 1)) == (50.0, 25.0)
    text = page.extract_text()
    assert patient.coi in text and "DP-0042" in text and "2030-12-31" in text


def test_a_lot_for_no_patient_carries_no_coi(qa_reviewer, released):
    png, _ = render_label(released, fmt="png")
    (found,) = read_back(png)
    assert (found.lot, found.person) == (released, None)
    assert "240" not in {e["ai"] for e in found.identifiers["gs1"]["elements"]}


def test_a_site_prints_only_its_sizes(qa_reviewer, site, bag):
    set_up_labels(actor=qa_reviewer, site=site, sizes=["62x29mm", "4x6in"], reason="")
    png, size = render_label(bag, fmt="png")
    assert size.name == "62x29mm" and Image.open(io.BytesIO(png)).size == (732, 343)
    with pytest.raises(InvalidInput, match=r"100x50mm is not a label size of this site \(62x29mm, 4x6in\)"):
        render_label(bag, size="100x50mm")
    with pytest.raises(InvalidInput, match="WIDTHxHEIGHT"):
        render_label(bag, size="large")


def test_a_label_that_cannot_carry_the_lot_number_is_refused(qa_reviewer, site, material):
    long = factories.make_lot(actor=qa_reviewer, number="L-" + "9" * 20, material=material, site=site)
    with pytest.raises(RuleViolation, match="GS1 AI 10 \\(BATCH/LOT\\) holds at most 20"):
        render_label(long)


@pytest.fixture
def isbt_site(qa_reviewer, site):
    set_up_labels(actor=qa_reviewer, site=site, sizes=["100x50mm", "4x6in", "50x25mm"], isbt128=True, reason="")
    return site


def test_a_lot_numbered_with_a_din_gets_isbt_128_symbols_that_read_back(qa_reviewer, isbt_site, patient):
    apheresis = factories.make_material(
        actor=qa_reviewer, code="HPC-A", name="HPC", type="starting_material", isbt128_product_code=CODE
    )
    donation = factories.make_lot(
        actor=qa_reviewer, number="G123498654321", material=apheresis, site=isbt_site, donor=patient,
        expiry_date=dt.date(2026, 12, 31),
    )  # fmt: skip
    png, _ = render_label(donation, fmt="png")
    decoded = scans(png)
    assert sorted(typed for _, _, typed in decoded) == sorted(
        ["]d1=+03000=G12349865432100=<S1295100=>026365", "]C0=G12349865432100", "]C0=<S1295100", "]C0=>026365"]
    )
    for _, _, typed in decoded:
        if "=G123" in typed:  # the DIN names the lot; the 2-D symbol carries the DIN too
            found = scan.read(typed)
            assert (found.kind, found.lot, found.person) == ("isbt128", donation, patient)
        else:  # a product code or an expiry alone names no lot
            with pytest.raises(scan.ScanRefused, match="no DIN"):
                scan.read(typed)


def test_an_isbt_128_label_does_not_fit_a_small_label(qa_reviewer, isbt_site):
    made = factories.make_lot(actor=qa_reviewer, number="G123498654322", site=isbt_site)
    with pytest.raises(RuleViolation, match="50x25mm is too small for this label"):
        render_label(made, size="50x25mm")


def test_a_product_keeps_its_donations_din_at_an_isbt_128_site(qa_reviewer, isbt_site, patient):
    apheresis = factories.make_material(actor=qa_reviewer, code="HPC-A", name="HPC", type="starting_material")
    product = factories.make_material(
        actor=qa_reviewer, code="CAR-T", name="CAR-T", type="drug_product", unit="{bag}", isbt128_product_code=CODE
    )
    donation = factories.make_lot(
        actor=qa_reviewer, number="G123498654321", material=apheresis, site=isbt_site, donor=patient
    )
    made = factories.make_lot(
        actor=qa_reviewer, number="CART-0001", material=product, site=isbt_site, expiry_date=dt.date(2026, 12, 31)
    )
    factories.link_lots(actor=qa_reviewer, input=donation, output=made)
    png, _ = render_label(made, fmt="png")
    by_symbol = {fmt: typed for fmt, _, typed in scans(png) if fmt == "Data Matrix"}
    assert by_symbol["Data Matrix"] == "]d1=+03000=G12349865432100=<S1295100=>026365"
    # The DIN alone names the donation; with the product code, the product made from it.
    assert scan.read("=G12349865432100").lot == donation
    assert scan.read(by_symbol["Data Matrix"]).lot == made
    assert scan.read(by_symbol["Data Matrix"]).person == patient
