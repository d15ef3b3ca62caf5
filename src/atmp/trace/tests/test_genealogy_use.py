"""Recording a use (input lot → output lot): only a released, unexpired, unrecalled input, no more than
remains (converted by the units table), never a cycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.errors import RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.trace import factories
from atmp.trace.selectors import genealogy
from atmp.trace.services.genealogy import record_use
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def use(actor, source, made, quantity="10", unit="mL", **kwargs):
    return record_use(actor=actor, input=source, output=made, quantity=quantity, unit=unit, **kwargs)


def test_a_use_is_an_audited_edge_and_takes_from_what_remains(operator, released, made):
    edge = use(operator, released, made, "25", made_by=f"trace.material:{released.material_id}")
    assert (edge.input, edge.output, edge.quantity, edge.unit) == (released, made, Decimal("25"), "mL")
    assert AuditEntry.objects.filter(record_type="trace.use", record_id=str(edge.pk)).exists()
    assert genealogy.remaining(released) == Decimal("75")


def test_a_use_in_another_unit_converts_by_the_table(operator, released, made):
    use(operator, released, made, "0.04", "L")
    use(operator, released, made, "500", "uL")
    assert genealogy.remaining(released) == Decimal("59.5")


def test_it_refuses_consuming_more_than_remains_naming_what_is_left(operator, released, made):
    use(operator, released, made, "60")
    with pytest.raises(RuleViolation, match=r"lot L-0100 has 40 mL left: 0.05 L \(= 50 mL\) is more than remains"):
        use(operator, released, made, "0.05", "L")
    assert genealogy.remaining(released) == Decimal("40")


def test_what_remains_may_be_used_to_the_last_drop(operator, released, made):
    use(operator, released, made, "99.999")
    use(operator, released, made, "1", "uL")
    assert genealogy.remaining(released) == Decimal("0")
    with pytest.raises(RuleViolation, match="more than remains"):
        use(operator, released, made, "1", "uL")


def test_it_refuses_a_unit_of_another_dimension_naming_both(operator, released, made):
    with pytest.raises(InvalidInput, match=r"mg \(mass\) cannot be converted to mL \(volume\)") as refused:
        use(operator, released, made, "5", "mg")
    assert refused.value.field == "unit"


def test_it_refuses_a_quarantined_input(operator, lot, made):
    with pytest.raises(RuleViolation, match="lot L-0001 is quarantine: only a released lot is used"):
        use(operator, lot, made)


def test_it_refuses_a_recalled_input(operator, qa_approver, released, made):
    engine.transition(qa_approver, released, "recall", reason="supplier recall")
    with pytest.raises(RuleViolation, match="lot L-0100 is recalled: a recalled lot is never used"):
        use(operator, released, made)


def test_it_refuses_an_input_expired_on_the_day_of_use(operator, qa_reviewer, site, material, made):
    source = factories.make_released_lot(
        actor=qa_reviewer, site=site, material=material, expiry_date=clock.now().date() + dt.timedelta(days=2)
    )
    # It was good on the day it was used (a use recorded afterwards names its time) ...
    use(operator, source, made, at=clock.now() - dt.timedelta(hours=1))
    # ... and a use dated after its expiry is refused, whatever its status says.
    expired = rf"lot {source.number} expired on .*: it is not used on"
    with clock_in(days=3), pytest.raises(RuleViolation, match=expired):
        use(operator, source, made)


def test_it_refuses_an_output_that_is_no_longer_in_quarantine(operator, qa_reviewer, released, site, material):
    other = factories.make_released_lot(actor=qa_reviewer, site=site, material=material)
    with pytest.raises(RuleViolation, match=rf"lot {other.number} is released: a lot is made .* in quarantine"):
        use(operator, released, other)


def test_it_refuses_a_lot_made_from_itself(operator, released):
    with pytest.raises(RuleViolation, match="cannot be made from itself"):
        use(operator, released, released)


def test_it_refuses_a_cycle_however_long(operator, qa_reviewer, qa_approver, site, material):
    # Through the services alone a cycle cannot arise (an output is in quarantine, and a lot that
    # was ever an input was released and never returns to quarantine); an imported genealogy can
    # bring one, so the rule is checked on its own: here the ancestry is written behind the rules.
    a, b, c = (factories.make_lot(actor=qa_reviewer, site=site, material=material) for _ in range(3))
    factories.link_lots(actor=qa_reviewer, input=a, output=b)
    factories.link_lots(actor=qa_reviewer, input=b, output=c)  # a → b → c
    factories.release(c, approver=qa_approver)
    with pytest.raises(RuleViolation, match=rf"lot {a.number} is already among what {c.number} was made from"):
        use(operator, c, a)


def test_it_refuses_a_made_by_that_names_no_record(operator, released, made):
    with pytest.raises(InvalidInput, match="names no stored record") as refused:
        use(operator, released, made, made_by="manufacturing.step:12")
    assert refused.value.field == "made_by"


def test_nothing_is_written_when_a_rule_refuses(operator, lot, made):
    before = AuditEntry.objects.count()
    with pytest.raises(RuleViolation):
        use(operator, lot, made)
    assert AuditEntry.objects.count() == before


def clock_in(*, days):
    """Return a context in which the clock reads `days` days from now."""
    from unittest import mock

    later = clock.now() + dt.timedelta(days=days)
    return mock.patch("atmp.ledger.clock.now", return_value=later)
