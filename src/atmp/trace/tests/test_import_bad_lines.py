"""A bad import line is reported with its number, field and rule, and then nothing at all is imported."""

from __future__ import annotations

from typing import Any

import pytest

from atmp.ledger.models import LedgerHead
from atmp.trace.models import Identity, Lot, Material, Person, Use
from atmp.trace.services.imports import ImportRefused, import_lines
from atmp.trace.tests.conftest import JANE
from atmp.trace.tests.import_files import MEDIUM, PRODUCT, jsonl, lot, use

pytestmark = pytest.mark.django_db


def refused(actor: Any, site: Any, *lines: dict[str, Any] | bytes) -> list[tuple[int, str, str]]:
    """Import the lines, expect a refusal, check nothing was written; return (line, field, rule) of each error."""
    before = LedgerHead.objects.get().size
    counts = [m.objects.count() for m in (Material, Lot, Use, Person, Identity)]
    data = b"".join(line if isinstance(line, bytes) else jsonl(line) for line in lines)
    with pytest.raises(ImportRefused) as caught:
        import_lines(actor=actor, site=site, data=data)
    assert LedgerHead.objects.get().size == before
    assert [m.objects.count() for m in (Material, Lot, Use, Person, Identity)] == counts
    return [(e.line, e.field, e.rule) for e in caught.value.errors]


def test_a_missing_field_is_named(qa_approver, site):
    (error,) = refused(qa_approver, site, MEDIUM, {"kind": "lot", "id": "L-1", "material": "MED-9"})
    assert error[:2] == (2, "quantity") and "required" in error[2]


def test_an_unknown_kind_is_named(qa_approver, site):
    (error,) = refused(qa_approver, site, MEDIUM, {"kind": "batch", "id": "B-1"})
    assert error[:2] == (2, "kind") and "'batch' is not one of" in error[2]


def test_an_unknown_field_is_not_ignored(qa_approver, site):
    (error,) = refused(qa_approver, site, {**MEDIUM, "colour": "red"})
    assert error[:2] == (1, "colour")


def test_an_unknown_reference_is_named(qa_approver, site):
    errors = refused(qa_approver, site, MEDIUM, lot("L-1"), use("L-1", "L-404"), lot("L-2", material="NOPE"))
    assert [e[:2] for e in errors] == [(3, "output"), (4, "material")]
    assert "there is no lot 'L-404'" in errors[0][2]


def test_a_reference_to_a_later_line_is_refused(qa_approver, site):
    errors = refused(qa_approver, site, MEDIUM, use("L-1", "L-2"), lot("L-1"), lot("L-2"))
    assert errors[0][:2] == (2, "input")


def test_a_cycle_is_refused_naming_it(qa_approver, site):
    errors = refused(
        qa_approver, site, MEDIUM, lot("A"), lot("B"), lot("C"), use("A", "B"), use("B", "C"), use("C", "A")
    )
    assert [e[:2] for e in errors] == [(5, "output"), (6, "output"), (7, "output")]
    assert "makes a cycle in the genealogy: C → A → B → C" in errors[2][2]


def test_a_cycle_through_stored_uses_is_refused(qa_reviewer, qa_approver, site, released, made):
    from atmp.trace.services.genealogy import record_use

    record_use(actor=qa_reviewer, input=released, output=made, quantity="1", unit="mL")
    errors = refused(qa_approver, site, use("DP-0001", "L-0100", quantity="1", unit="{bag}"))
    assert errors[0][:2] == (1, "output") and "DP-0001 → L-0100 → DP-0001" in errors[0][2]


def test_a_use_beyond_what_remains_is_refused(qa_approver, site):
    errors = refused(
        qa_approver,
        site,
        MEDIUM,
        lot("L-1", quantity="1"),
        lot("L-2"),
        use("L-1", "L-2", "600", "uL"),
        use("L-1", "L-2", "0.5", "mL"),
    )
    assert errors == [(5, "quantity", "lot L-1 has 0.4 mL left: 0.5 mL is more than remains")]


def test_what_stored_uses_took_counts(qa_reviewer, qa_approver, site, released, made):
    from atmp.trace.services.genealogy import record_use

    record_use(actor=qa_reviewer, input=released, output=made, quantity="90", unit="mL")
    errors = refused(qa_approver, site, lot("L-9", material="MED-001"), use("L-0100", "L-9", "0.011", "L"))
    assert errors == [(2, "quantity", "lot L-0100 has 10 mL left: 0.011 L (= 11 mL) is more than remains")]


def test_a_lot_number_given_twice_or_stored_is_refused(qa_approver, site, lot):
    errors = refused(
        qa_approver, site, MEDIUM, {"kind": "lot", "id": "L-1", "material": "MED-9", "quantity": "1"},
        {"kind": "lot", "id": "L-1", "material": "MED-9", "quantity": "2"},
        {"kind": "lot", "id": "L-0001", "material": "MED-9", "quantity": "2"},
        {"kind": "patient", "coi": "L-1"},
    )  # fmt: skip
    assert [e[:2] for e in errors] == [(3, "id"), (4, "id"), (5, "coi")]
    assert "line 2" in errors[0][2] and "already a lot L-0001" in errors[1][2]


def test_a_bad_unit_is_refused(qa_approver, site):
    errors = refused(
        qa_approver,
        site,
        MEDIUM,
        lot("L-1", unit="ml"),
        lot("L-2", unit="mg"),
        lot("L-3"),
        use("L-3", "L-3x", unit="{bag}"),
    )
    assert [e[:2] for e in errors] == [(2, "unit"), (3, "unit"), (5, "output")]
    assert "'ml' is not a UCUM code" in errors[0][2]


def test_a_use_in_another_dimension_is_refused(qa_approver, site):
    errors = refused(
        qa_approver, site, MEDIUM, PRODUCT, lot("L-1"), lot("P-1", material="DP-9"), use("L-1", "P-1", "1", "{bag}")
    )
    assert errors[0][:2] == (5, "unit")


def test_bad_dates_and_times_are_refused(qa_approver, site):
    errors = refused(
        qa_approver, site, MEDIUM,
        lot("L-1", expiry="31/12/2027"),
        lot("L-2"), lot("L-3"),
        use("L-2", "L-3", at="yesterday"),
        use("L-2", "L-3", at="2026-01-01T10:00:00"),
        use("L-2", "L-3", at="2999-01-01T10:00:00+00:00"),
        lot("L-4", status="released"),
    )  # fmt: skip
    assert [e[:2] for e in errors] == [(2, "expiry"), (5, "at"), (6, "at"), (7, "at"), (8, "expiry")]


def test_a_line_that_is_not_json_is_refused(qa_approver, site):
    errors = refused(qa_approver, site, jsonl(MEDIUM), b"{not json\n", b"[1, 2]\n", b"\n")
    assert [e[:2] for e in errors] == [(2, ""), (3, "")]


def test_floats_never_reach_a_quantity_and_a_boolean_is_no_number(qa_approver, site):
    errors = refused(qa_approver, site, MEDIUM, lot("L-1", quantity=True), lot("L-2", quantity="1.0005"))
    assert [e[:2] for e in errors] == [(2, "quantity"), (3, "quantity")]


def test_a_donation_needs_a_starting_material_and_an_administration_a_patient(qa_approver, site):
    errors = refused(
        qa_approver, site, MEDIUM, {"kind": "donor", "coi": "D-1"}, lot("L-1", donor="D-1"), lot("L-2"),
        {"kind": "administration", "lot": "L-2", "patient": "D-1", "at": "2026-11-01T10:00:00+01:00"},
    )  # fmt: skip
    assert [e[:2] for e in errors] == [(3, "donor"), (5, "patient")]


def test_a_coi_of_the_sites_scheme_needs_its_check_character(qa_approver, site):
    (error,) = refused(qa_approver, site, {"kind": "patient", "coi": "LEI-P-000901-4"})
    assert error[:2] == (1, "coi") and "check character" in error[2]


def test_bad_personal_data_and_duplicates_are_refused_without_repeating_them(coordinator, site, jane):
    errors = refused(
        coordinator, site,
        {"kind": "patient", "coi": "P-1", "name": "Ann", "birth_date": "1990-13-01"},
        {"kind": "patient", "coi": "P-2", **JANE},
        {"kind": "patient", "coi": "P-3", "name": "Bo Berg", "birth_date": "1980-01-01", "hospital_number": "H-1"},
        {"kind": "patient", "coi": "P-4", "name": "Cy Cole", "birth_date": "1981-01-01", "hospital_number": "h1"},
    )  # fmt: skip
    assert [e[:2] for e in errors] == [(1, "birth_date"), (2, "hospital_number"), (4, "hospital_number")]
    for _line, _field, rule in errors:
        assert JANE["hospital_number"] not in rule and "1990-13-01" not in rule


def test_every_bad_line_is_reported_not_only_the_first(qa_approver, site):
    lines = [MEDIUM] + [lot(f"L-{i}", quantity="-1") for i in range(30)]
    assert len(refused(qa_approver, site, *lines)) == 30


def test_a_stored_lot_of_a_site_the_importer_does_not_work_at_is_unknown_and_still_taken(qa_reviewer, site, material):
    from atmp.testing import PASSWORD, make_site, make_user
    from atmp.trace import factories

    elsewhere = make_site(actor=qa_reviewer, code="BER", name="Berlin")
    factories.make_lot(actor=qa_reviewer, number="L-BER", site=elsewhere)
    olga = make_user("operator", username="olga2", password=PASSWORD, site=site)
    errors = refused(olga, site, lot("L-9", material="MED-001"), use("L-BER", "L-9"), lot("L-BER", material="MED-001"))
    assert [e[:2] for e in errors] == [(2, "input"), (3, "id")]
    assert "there is no lot 'L-BER'" in errors[0][2]
