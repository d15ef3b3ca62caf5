"""Products carry their ATMP class, vector, origin, GMO class and containment level; process versions are
numbered per site, and a version after the first becomes effective only with its approved change control."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.services import products as svc
from atmp.quality import factories as qf
from atmp.quality.tests.helpers_change import move
from atmp.testing import PASSWORD, make_site
from atmp.workflow import links

pytestmark = pytest.mark.django_db


def test_a_product_is_added_with_its_classes(product):
    assert (product.atmp_class, product.vector_type, product.origin) == ("gene_therapy", "aav", "autologous")
    assert (product.gmo_class, product.containment_level) == ("1", 1)


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("atmp_class", "vaccine", "is not one of"),
        ("vector_type", "retrovirus", "is not one of"),
        ("origin", "xenogeneic", "is not one of"),
        ("gmo_class", "5", "is not one of"),
        ("containment_level", "7", r"must be 0 \(none\) to 4"),
        ("containment_level", "two", "is not a containment level"),
        ("code", "AAV 1", "letters, digits"),
    ],
)
def test_it_refuses_a_bad_field_naming_it(qa_reviewer, field, value, rule):
    with pytest.raises(InvalidInput, match=rule) as refused:
        factories.make_product(actor=qa_reviewer, **{field: value})
    assert refused.value.field == field


def test_a_gmo_is_handled_at_its_class_containment_level_or_higher(qa_reviewer):
    with pytest.raises(InvalidInput, match="class 2 GMO is handled at containment level 2 or higher") as refused:
        factories.make_product(actor=qa_reviewer, gmo_class="2", containment_level=1)
    assert refused.value.field == "containment_level"
    assert factories.make_product(actor=qa_reviewer, gmo_class="2", containment_level=3).containment_level == 3


def test_a_gene_therapy_product_has_a_vector(qa_reviewer):
    with pytest.raises(InvalidInput, match="a gene therapy product has a vector"):
        factories.make_product(actor=qa_reviewer, vector_type="none")
    cells = factories.make_product(
        actor=qa_reviewer,
        atmp_class="somatic_cell",
        vector_type="none",
        origin="allogeneic",
        gmo_class="none",
        containment_level=0,
    )
    assert cells.vector_type == "none"


def test_a_product_code_names_one_product(qa_reviewer, product):
    with pytest.raises(Conflict, match="already a product AAV-001"):
        factories.make_product(actor=qa_reviewer, code="AAV-001")


def test_process_versions_are_numbered_per_product_and_site(qa_reviewer, product, site):
    other = make_site(actor=qa_reviewer, code="GEN", name="Geneva")
    first = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    second = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    elsewhere = factories.make_processversion(actor=qa_reviewer, product=product, site=other)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.status == "draft"


def test_the_first_version_becomes_effective_without_a_change_control(qa_reviewer, qa_approver, product, site):
    first = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    svc.make_effective(actor=qa_approver, version=first, password=PASSWORD, reason="first GMP process")
    assert first.status == "effective" and first.effective_from is not None


def test_a_later_version_refuses_to_become_effective_without_its_change_control(
    qa_reviewer, qa_approver, product, site
):
    factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    second = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    with pytest.raises(RuleViolation, match="change control: process version 2 of AAV-001 is not linked"):
        svc.make_effective(actor=qa_approver, version=second, password=PASSWORD, reason="v2")
    second.refresh_from_db()
    assert second.status == "draft"


def test_a_later_version_refuses_a_change_control_not_yet_approved(qa_reviewer, qa_approver, product, site):
    factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    change = qf.make_changecontrol(actor=qa_reviewer, site=site, risk_assessment=None)
    second = factories.make_processversion(actor=qa_reviewer, product=product, site=site, change_control=change)
    with pytest.raises(RuleViolation, match=f"change control: {change.number} \\(draft\\) is not approved"):
        svc.make_effective(actor=qa_approver, version=second, password=PASSWORD, reason="v2")


def test_a_later_version_with_its_approved_change_supersedes_the_one_before(qa_reviewer, qa_approver, product, site):
    first = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    svc.make_effective(actor=qa_approver, version=first, password=PASSWORD, reason="v1")
    change = qf.make_changecontrol(actor=qa_reviewer, site=site)
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    second = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    svc.link_change(actor=qa_reviewer, version=second, change_control=change, reason="introduced by it")
    svc.make_effective(actor=qa_approver, version=second, password=PASSWORD, reason="v2 per change")
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "effective")
    assert links.linked(second, relation="originates_from") == [change]


def test_a_change_control_of_another_site_is_refused(qa_reviewer, product, site):
    change = qf.make_changecontrol(actor=qa_reviewer, site=make_site(actor=qa_reviewer, code="GEN", name="Geneva"))
    version = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    with pytest.raises(InvalidInput, match="of another site") as refused:
        svc.link_change(actor=qa_reviewer, version=version, change_control=change)
    assert refused.value.field == "change_control"


def test_the_author_of_a_version_does_not_make_it_effective(qa_approver, product, site):
    from atmp.ledger.errors import LedgerError

    own = factories.make_processversion(actor=qa_approver, product=product, site=site)
    with pytest.raises(LedgerError):
        svc.make_effective(actor=qa_approver, version=own, password=PASSWORD, reason="mine")
