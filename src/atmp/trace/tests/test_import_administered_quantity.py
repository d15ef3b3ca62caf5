"""An imported administration records the quantity given, defaulting and checked as `administer` does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from atmp.ledger import verify
from atmp.ledger.models import LedgerHead
from atmp.trace.models import Administration, Lot
from atmp.trace.selectors import genealogy
from atmp.trace.services.imports import ImportRefused, import_lines
from atmp.trace.tests.import_files import MEDIUM, PRODUCT, jsonl, lot, use

pytestmark = pytest.mark.django_db

AT = "2026-11-20T10:30:00+01:00"
PATIENT = {"kind": "patient", "coi": "P-1"}


def given(number: str, **more: Any) -> dict[str, Any]:
    """Return an administration line of the lot to patient P-1."""
    return {"kind": "administration", "lot": number, "patient": "P-1", "at": AT, **more}


def imported(actor: Any, site: Any, *lines: dict[str, Any]) -> list[tuple[str, Decimal | None, str]]:
    """Import the lines; return (lot, quantity, unit) of every administration, in order."""
    import_lines(actor=actor, site=site, data=jsonl(*lines))
    return [(a.lot.number, a.quantity, a.unit) for a in Administration.objects.select_related("lot").order_by("pk")]


def refused(actor: Any, site: Any, *lines: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Import the lines, expect a refusal with nothing written; return (line, field, rule) of each error."""
    before = LedgerHead.objects.get().size
    with pytest.raises(ImportRefused) as caught:
        import_lines(actor=actor, site=site, data=jsonl(*lines))
    assert LedgerHead.objects.get().size == before and not Administration.objects.exists()
    return [(e.line, e.field, e.rule) for e in caught.value.errors]


def test_the_quantity_given_is_recorded_in_the_lots_unit_unless_another_is_named(qa_approver, site):
    lines = [MEDIUM, PATIENT, lot("L-1", quantity="100"), given("L-1", quantity="2.5"), given("L-1", quantity=500,
             unit="uL")]  # fmt: skip
    assert imported(qa_approver, site, *lines) == [("L-1", Decimal("2.500"), "mL"), ("L-1", Decimal("500.000"), "uL")]
    assert genealogy.remaining(Lot.objects.get(number="L-1")) == Decimal("97")
    assert verify.run().ok


def test_without_a_quantity_it_takes_one_container_or_all_that_remains(qa_approver, site):
    lines = [MEDIUM, PRODUCT, PATIENT, lot("L-1"), lot("DP-1", material="DP-9", quantity="2"), use("L-1", "DP-1", "30"),
             given("DP-1"), given("L-1")]  # fmt: skip
    assert imported(qa_approver, site, *lines) == [("DP-1", Decimal(1), "{bag}"), ("L-1", Decimal(70), "mL")]
    assert genealogy.remaining(Lot.objects.get(number="L-1")) == 0


def test_more_than_remains_is_refused_as_administer_refuses_it(qa_approver, site):
    lines = [MEDIUM, PATIENT, lot("L-1", quantity="10"), lot("L-2"), use("L-1", "L-2", "4"), given("L-1", quantity="7"),
             given("L-1", quantity="7000", unit="uL")]  # fmt: skip
    assert refused(qa_approver, site, *lines) == [
        (6, "quantity", "lot L-1 has 6 mL left: 7 mL is more than remains"),
        (7, "quantity", "lot L-1 has 6 mL left: 7000 uL (= 7 mL) is more than remains"),
    ]


def test_a_second_default_dose_of_a_lot_with_nothing_left_is_refused(qa_approver, site):
    errors = refused(qa_approver, site, PRODUCT, PATIENT, lot("DP-1", material="DP-9", quantity="1"), given("DP-1"),
                     given("DP-1"))  # fmt: skip
    assert errors == [(5, "quantity", "lot DP-1 has 0 {bag} left: nothing remains to administer")]


def test_what_stored_administrations_took_counts(qa_approver, site):
    imported(qa_approver, site, PRODUCT, PATIENT, lot("DP-1", material="DP-9", quantity="2"), given("DP-1"))
    before = LedgerHead.objects.get().size
    with pytest.raises(ImportRefused) as caught:
        import_lines(actor=qa_approver, site=site, data=jsonl(given("DP-1", quantity="2")))
    assert [(e.line, e.field, e.rule) for e in caught.value.errors] == [
        (1, "quantity", "lot DP-1 has 1 {bag} left: 2 {bag} is more than remains")
    ]
    assert LedgerHead.objects.get().size == before


def test_a_unit_of_another_dimension_or_without_a_quantity_is_refused(qa_approver, site):
    errors = refused(qa_approver, site, MEDIUM, PATIENT, lot("L-1"), given("L-1", quantity="1", unit="{bag}"),
                     given("L-1", unit="mL"), given("L-1", quantity="-1"),
                     given("L-1", quantity="1", unit="furlong"))  # fmt: skip
    assert [e[:2] for e in errors] == [(4, "unit"), (5, "unit"), (6, "quantity"), (7, "unit")]
    assert errors[0][2] == "{bag} cannot be converted to mL, the unit lot L-1 is counted in"
    assert errors[1][2] == "give the quantity the unit counts, or neither"
