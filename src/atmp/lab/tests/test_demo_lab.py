"""The demo's laboratory: AAV methods with their validation, AAV9-SMN's phase I and III specifications
approved, the product in phase III, and the first batch still pinned to the phase I specification."""

from __future__ import annotations

import pytest

from atmp.lab import demo as lab_demo
from atmp.lab import factories
from atmp.lab.models import BatchSpecification, Method, Result, Specification
from atmp.lab.services import methods, phases
from atmp.lab.services import results as svc


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def test_the_product_is_in_phase_iii_with_both_specifications_approved(loaded):
    from atmp.manufacturing.models import Product

    product = Product.objects.get(code=lab_demo.PRODUCT)
    assert phases.current(product) == "iii"
    specs = Specification.objects.filter(product=product).order_by("phase")
    assert [(s.phase, s.status) for s in specs] == [("i", "approved"), ("iii", "approved")]
    # The product's methods and the HEK293 bank panel's (ADR 0030: the banks were tested before their release).
    assert loaded["modules"]["lab"]["methods"] == len(lab_demo.METHODS) + len(factories.CELL_TESTS)


def test_the_hek293_banks_panels_conform_reviewed_before_their_release(loaded):
    from atmp.trace import demo as trace_demo
    from atmp.trace.bank_results import statuses
    from atmp.trace.models import CellBank

    spec = Specification.objects.get(material__code="CL-HEK293")
    assert spec.status == "approved" and spec.product is None
    for number in (trace_demo.MASTER_BANK_LOT, trace_demo.CELL_BANK_LOT):
        bank = CellBank.objects.select_related("lot").get(lot__number=number)
        assert bank.lot.status in ("released", "consumed") and set(statuses(bank).values()) == {"conforms"}
        results = Result.objects.filter(sample__lot=bank.lot, sample__purpose="bank", voided=False)
        assert results.count() == len(statuses(bank))
        assert all(svc.reviewed_by(r) for r in results)


def test_the_first_batch_keeps_the_phase_i_specification(loaded):
    pinned = BatchSpecification.objects.select_related("specification").first()
    assert pinned is not None and pinned.specification.phase == "i"


def test_methods_qualified_only_are_not_fit_for_phase_ii_and_safety_tests_are(loaded):
    assert "not fit for Phase II" in methods.fit_for(Method.objects.get(code="QC-POT-CELL"), "ii")
    assert methods.fit_for(Method.objects.get(code="QC-STER"), "iii") is None


def test_the_history_page_shows_the_criteria_tightening(loaded):
    from atmp.testing import PASSWORD, make_user, signed_in

    signed_in_client = signed_in(make_user("qa_reviewer", password=PASSWORD))
    page = signed_in_client.get(f"/lab/products/{lab_demo.PRODUCT}/specifications/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "2.0E13-5.0E13" in text and "1.0E13-1.0E14" in text
