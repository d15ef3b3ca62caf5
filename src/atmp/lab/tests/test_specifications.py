"""Specifications: versions per product and phase, attributes, approval, supersession, phase moves, batch pins."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.lab import factories
from atmp.lab.models import BatchSpecification, Specification
from atmp.lab.services import phases, specifications
from atmp.ledger.errors import Conflict, LedgerError, RuleViolation
from atmp.testing import PASSWORD


def _spec(actor, product, phase, method, criterion="1.0E12-1.0E14"):
    spec = specifications.new_specification(actor=actor, product=product, phase=phase)
    specifications.add_attribute(
        actor=actor,
        specification=spec,
        name="Titre",
        method=method,
        kind="numeric",
        criterion=criterion,
        unit="{vg}/mL",
    )
    spec.refresh_from_db()
    return spec


def _approve(approver, spec):
    return specifications.approve(actor=approver, specification=spec, password=PASSWORD, reason="approved")


def test_versions_are_numbered_per_product_and_phase(qa_reviewer, product):
    numbers = [
        specifications.new_specification(actor=qa_reviewer, product=product, phase=p).number for p in ("i", "i", "iii")
    ]
    assert numbers == [1, 2, 1]


@pytest.mark.parametrize(
    ("kind", "criterion", "unit", "field", "rule"),
    [
        ("numeric", "102.0-98.0", "%", "criterion", "range order"),
        ("numeric", "about 5", "%", "criterion", "form"),
        ("numeric", "conforms", "%", "criterion", "form"),
        ("numeric", "98.0-102.0", "furlong", "unit", "not a UCUM code"),
        ("weird", "98.0-102.0", "%", "kind", "weird"),
        ("conforms", "", "", "criterion", "filled in"),
    ],
)
def test_it_refuses_a_bad_attribute_naming_the_field(qa_reviewer, product, titre, kind, criterion, unit, field, rule):
    spec = specifications.new_specification(actor=qa_reviewer, product=product, phase="i")
    with pytest.raises(InvalidInput, match=rule) as refused:
        specifications.add_attribute(
            actor=qa_reviewer, specification=spec, name="X", method=titre, kind=kind, criterion=criterion, unit=unit
        )
    assert refused.value.field == field


def test_conforms_and_report_attributes_keep_their_text(qa_reviewer, product, titre):
    spec = specifications.new_specification(actor=qa_reviewer, product=product, phase="i")
    a = specifications.add_attribute(
        actor=qa_reviewer,
        specification=spec,
        name="Appearance",
        method=titre,
        kind="conforms",
        criterion="Clear, colourless, free of visible particles",
    )
    b = specifications.add_attribute(
        actor=qa_reviewer, specification=spec, name="Full capsids", method=titre, kind="report", criterion=""
    )
    assert (a.criterion, b.criterion, b.position) == ("Clear, colourless, free of visible particles", "report", 2)


def test_qa_approves_and_the_author_may_not(qa_reviewer, qa_approver, product, titre):
    spec = _spec(qa_approver, product, "i", titre)
    with pytest.raises(LedgerError, match="segregation of duties"):
        _approve(qa_approver, spec)
    other = factories.approver()
    spec = _approve(other, Specification.objects.get(pk=spec.pk))
    assert (spec.status, spec.approved_at is not None) == ("approved", True)


def test_an_attribute_author_is_an_author_of_the_specification(qa_reviewer, qa_approver, product, titre):
    spec = specifications.new_specification(actor=qa_reviewer, product=product, phase="i")
    specifications.add_attribute(
        actor=qa_approver, specification=spec, name="Titre", method=titre, kind="numeric", criterion=">=1.0E12"
    )
    with pytest.raises(LedgerError, match="segregation of duties"):
        _approve(qa_approver, Specification.objects.get(pk=spec.pk))


def test_it_refuses_approving_without_attributes(qa_reviewer, qa_approver, product):
    spec = specifications.new_specification(actor=qa_reviewer, product=product, phase="i")
    with pytest.raises(RuleViolation, match="no attributes"):
        _approve(qa_approver, spec)


def test_it_refuses_approving_with_a_method_not_fit_for_the_phase(qa_reviewer, qa_approver, product, elisa):
    spec = _spec(qa_reviewer, product, "iii", elisa)
    with pytest.raises(RuleViolation, match="attribute 1 'Titre': method not fit for Phase III: QC-CAP"):
        _approve(qa_approver, spec)


def test_approving_a_new_version_supersedes_the_old_one_of_the_same_phase_only(
    qa_reviewer, qa_approver, product, titre
):
    v1 = _approve(qa_approver, _spec(qa_reviewer, product, "i", titre))
    p3 = _approve(qa_approver, _spec(qa_reviewer, product, "iii", titre, "5.0E12-5.0E13"))
    v2 = _approve(qa_approver, _spec(qa_reviewer, product, "i", titre, "5.0E11-2.0E14"))
    v1.refresh_from_db()
    p3.refresh_from_db()
    assert (v1.status, v2.status, p3.status) == ("superseded", "approved", "approved")
    assert specifications.in_force(product, "i") == v2


def test_in_force_at_a_past_moment_returns_the_version_then_approved(qa_reviewer, qa_approver, product, titre):
    from atmp.ledger import clock

    v1 = _approve(qa_approver, _spec(qa_reviewer, product, "i", titre))
    between = clock.now()
    _approve(qa_approver, _spec(qa_reviewer, product, "i", titre, "5.0E11-2.0E14"))
    assert specifications.in_force(product, "i", at=between) == v1
    assert specifications.in_force(product, "i", at=between - dt.timedelta(days=400)) is None


def test_attributes_are_frozen_once_approved(qa_reviewer, qa_approver, product, titre):
    spec = _approve(qa_approver, _spec(qa_reviewer, product, "i", titre))
    with pytest.raises(Conflict, match="is Approved: it takes no edits"):
        specifications.add_attribute(
            actor=qa_reviewer, specification=spec, name="pH", method=titre, kind="numeric", criterion="6.5-7.5"
        )
    from atmp.lab.models import SpecificationAttribute
    from atmp.ledger import writer

    row = SpecificationAttribute.objects.get(specification=spec)
    row.criterion = "1.0E10-1.0E15"
    with pytest.raises(Conflict, match="frozen"), writer.change(actor=qa_reviewer, reason="behind the service") as ch:
        ch.save(row)


def test_a_new_version_may_copy_the_attributes_of_another(qa_reviewer, qa_approver, product, titre):
    v1 = _spec(qa_reviewer, product, "i", titre)
    v2 = specifications.new_specification(actor=qa_reviewer, product=product, phase="iii", copy_from=v1)
    assert [a.criterion for a in v2.attributes.all()] == ["1.0E12-1.0E14"]
    assert v2.content_hash == specifications.content_hash(v2)


def test_a_product_moves_phase_only_with_an_approved_specification_for_it(qa_reviewer, qa_approver, product, titre):
    with pytest.raises(Conflict, match="no specification: AAV-001 has no approved specification for Phase I"):
        phases.move(actor=qa_approver, product=product, phase="i", reason="FIH")
    _approve(qa_approver, _spec(qa_reviewer, product, "i", titre))
    row = phases.move(actor=qa_approver, product=product, phase="I", reason="FIH")
    assert (row.phase, phases.current(product)) == ("i", "i")
    with pytest.raises(Conflict, match="already"):
        phases.move(actor=qa_approver, product=product, phase="i", reason="again")


def test_a_qc_analyst_may_not_move_a_products_phase(qa_reviewer, product):
    from atmp.accounts.errors import NotAllowed
    from atmp.testing import make_user

    with pytest.raises(NotAllowed):
        phases.move(actor=make_user("qc_analyst"), product=product, phase="i", reason="x")


def test_a_batch_keeps_the_specification_it_was_first_tested_against(qa_reviewer, qa_approver, titre):
    from atmp.manufacturing.factories import make_batch

    batch = make_batch(actor=qa_reviewer)
    product = batch.product
    with pytest.raises(InvalidInput, match="no clinical phase"):
        specifications.for_batch(batch)
    p1 = _approve(qa_approver, _spec(qa_reviewer, product, "i", titre))
    phases.move(actor=qa_approver, product=product, phase="i", reason="FIH")
    assert specifications.for_batch(batch, actor=qa_reviewer) == p1
    # A new phase I version and a move to phase III later leave the batch where it was.
    _approve(qa_approver, _spec(qa_reviewer, product, "i", titre, "5.0E11-2.0E14"))
    _approve(qa_approver, _spec(qa_reviewer, product, "iii", titre, "5.0E12-5.0E13"))
    phases.move(actor=qa_approver, product=product, phase="iii", reason="pivotal trial")
    assert specifications.for_batch(batch) == p1
    assert BatchSpecification.objects.filter(batch=batch).count() == 1
    later = make_batch(actor=qa_reviewer, mbr=batch.mbr)
    assert specifications.for_batch(later).phase == "iii"
