"""Opening a recall from a trace's root: the quality recall filled with the impact, every lot recalled,
and from then on a recalled lot is neither used nor administered."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import NotAllowed
from atmp.ledger import verify
from atmp.ledger.errors import Conflict, ReasonRequired, RuleViolation
from atmp.quality.models.recalls import Recall
from atmp.testing import make_site
from atmp.trace import factories
from atmp.trace.models import Lot
from atmp.trace.services import recalls
from atmp.trace.services.genealogy import administer, record_use
from atmp.workflow.engine import today

pytestmark = pytest.mark.django_db
WHY = "endotoxin above limit in reagent lot"


@pytest.fixture
def hub(qa_reviewer, qa_approver, site):
    centre = make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")
    return factories.make_hub_genealogy(actor=qa_reviewer, approver=qa_approver, site=site, centre=centre)


def test_it_fills_the_quality_recall_with_the_impact(hub, qa_reviewer):
    opened = recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason=WHY)
    rc = Recall.objects.get(pk=opened.recall.pk)
    assert rc.status == "initiated" and rc.recall_reason == WHY and rc.title == f"Recall of {hub['R'].number}"
    assert rc.decision_date == today()  # the action is the decision: the recall may start at once
    scope = {row.record for row in rc.scope.all()}
    assert scope == {hub[n].record_key for n in ("R", "B1", "B2", "B3", "DP1", "DP2")}
    reagent = rc.scope.get(record=hub["R"].record_key)
    assert reagent.quantity_distributed == 100 and reagent.unit == "mL"
    assert "70 mL in stock at LEI Freezer F-3" in reagent.description
    recipients = {(r.kind, r.reference) for r in rc.recipients.all()}
    assert recipients == {
        ("patient", hub["P1"].coi),
        ("patient", hub["P2"].coi),
        ("patient", hub["P3"].coi),
        ("hospital", "LEI"),
        ("hospital", "AMC"),
    }


def test_it_recalls_every_affected_lot_rejects_those_in_quarantine_and_touches_no_other(hub, qa_reviewer):
    opened = recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason=WHY)
    assert sorted(opened.recalled) == sorted(hub[n].number for n in ("R", "B1", "B2", "DP1", "DP2"))
    assert opened.rejected == [hub["B3"].number]  # never released: rejected, as the lot workflow has it
    statuses = {lot.number: lot.status for lot in Lot.objects.filter(pk__in=[hub[n].pk for n in hub if n[0] != "P"])}
    assert statuses.pop(hub["X"].number) == "released"
    assert statuses.pop(hub["B3"].number) == "rejected"
    assert set(statuses.values()) == {"recalled"}
    report = verify.run(processes=1)
    assert report.ok, report.failures


def test_a_recalled_lot_is_then_neither_used_nor_administered(hub, qa_reviewer, site):
    recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_i", reason=WHY)
    made = factories.make_lot(actor=qa_reviewer, site=site)
    reagent = Lot.objects.get(pk=hub["R"].pk)
    with pytest.raises(RuleViolation, match=f"lot {reagent.number} is recalled: a recalled lot is never used"):
        record_use(actor=qa_reviewer, input=reagent, output=made, quantity="1", unit="mL")
    product = Lot.objects.get(pk=hub["DP1"].pk)
    patient = factories.make_person(actor=qa_reviewer, site=site)
    with pytest.raises(RuleViolation, match=f"lot {product.number} is recalled: a recalled lot is never administered"):
        administer(actor=qa_reviewer, lot=product, patient=patient)


def test_a_second_recall_of_the_same_root_is_refused_while_the_first_is_open(hub, qa_reviewer):
    first = recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason=WHY)
    with pytest.raises(Conflict, match=f"{first.recall.number} is open and already concerns {hub['R'].number}"):
        recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason="clicked twice")
    # A lot downstream is in the open recall's scope too: recalling from it again is the same duplicate.
    with pytest.raises(Conflict, match="already concerns"):
        recalls.recall(actor=qa_reviewer, root=hub["DP1"], classification="class_ii", reason="again")
    assert Recall.objects.count() == 1


def test_a_person_root_is_linked_from_the_recall(qa_reviewer, qa_approver, site):
    donor = factories.make_person(actor=qa_reviewer, kind="donor", site=site)
    apheresis = factories.make_material(actor=qa_reviewer, type="starting_material", unit="mL")
    factories.make_released_lot(actor=qa_reviewer, approver=qa_approver, material=apheresis, site=site, donor=donor)
    opened = recalls.recall(actor=qa_reviewer, root=donor, classification="class_i", reason="donor tested positive")
    assert recalls.open_recall_of(donor) == opened.recall
    with pytest.raises(Conflict):
        recalls.recall(actor=qa_reviewer, root=donor, classification="class_i", reason="again")


def test_it_needs_qas_decision_and_a_reason_and_writes_nothing_otherwise(hub, qa_reviewer, operator):
    with pytest.raises(NotAllowed, match="quality.decide"):
        recalls.recall(actor=operator, root=hub["R"], classification="class_ii", reason=WHY)
    with pytest.raises(ReasonRequired, match="reason"):
        recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason="  ")
    assert not Recall.objects.exists()
    assert Lot.objects.get(pk=hub["R"].pk).status == "released"


def test_a_bad_classification_writes_nothing(hub, qa_reviewer):
    with pytest.raises(Exception, match="classification"):
        recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_iv", reason=WHY)
    assert not Recall.objects.exists()
    assert Lot.objects.get(pk=hub["B3"].pk).status == "quarantine"


def test_a_recall_reaching_a_site_the_user_does_not_work_at_is_refused_whole(hub, site):
    from atmp.testing import make_user

    leiden_only = make_user("qa_approver", site=site)
    # DP2 went to patients of AMC, but the lots are all at LEI: a LEI user may recall them.
    assert recalls.recall(actor=leiden_only, root=hub["B2"], classification="class_ii", reason=WHY).recalled
    other = make_site(actor=factories.releaser(), code="OSS", name="Oss")
    factories.link_lots(
        actor=leiden_only, input=hub["B1"], output=factories.make_lot(actor=factories.releaser(), site=other)
    )
    with pytest.raises(NotAllowed, match="reaches 1 lot\\(s\\) at sites you do not work at"):
        recalls.recall(actor=leiden_only, root=hub["B1"], classification="class_ii", reason=WHY)
    assert Lot.objects.get(pk=hub["B1"].pk).status == "released"


def test_a_shipment_of_an_affected_lot_is_a_consignee_named_by_its_number(hub, qa_reviewer):
    shipment = factories.make_shipment(actor=qa_reviewer, lots=[hub["DP1"]], destination="LUMC pharmacy, ward 4")
    opened = recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason=WHY)
    recipients = {(r.kind, r.reference) for r in Recall.objects.get(pk=opened.recall.pk).recipients.all()}
    assert ("consignee", shipment.number) in recipients


def test_a_mock_recall_fills_the_recall_but_leaves_the_lots_in_use(hub, qa_reviewer, operator):
    opened = recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason=WHY, mock=True)
    rc = Recall.objects.get(pk=opened.recall.pk)
    assert rc.mock and rc.scope.count() == 6 and opened.recalled == [] and opened.rejected == []
    assert Lot.objects.get(pk=hub["R"].pk).status == "released"
    record_use(actor=operator, input=hub["R"], output=hub["B3"], quantity="1", unit="mL")  # still used
    real = recalls.recall(actor=qa_reviewer, root=hub["R"], classification="class_ii", reason=WHY)  # not blocked
    assert Lot.objects.get(pk=hub["R"].pk).status == "recalled" and not real.recall.mock
