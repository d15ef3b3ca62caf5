"""Master batch records: drafted whole from a checked JSON document (the first bad field refuses all,
naming the step and the field, nothing written), numbered per process version, frozen once effective,
made effective by QA only for an effective process version, superseding the one before."""

from __future__ import annotations

import copy

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, LedgerError, RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.manufacturing import factories
from atmp.manufacturing.models import MasterBatchRecord, MbrStep
from atmp.manufacturing.selectors.mbr import document_of, steps_of
from atmp.manufacturing.services import mbr as svc
from atmp.manufacturing.services import products
from atmp.quality import factories as qf
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def draft(actor, version, document, **kw):
    return svc.add_mbr(actor=actor, process_version=version, document=document, **kw)


def test_a_draft_is_written_from_its_document_and_reads_back_as_it(qa_reviewer, version, doc):
    mbr = draft(qa_reviewer, version, doc)
    assert (mbr.number, mbr.status) == (1, "draft")
    back = document_of(mbr)
    assert back["title"] == doc["title"] and [s["number"] for s in back["steps"]] == [10, 20, 30]
    step = back["steps"][0]
    assert step["parameters"][0] == {
        "name": "Temperature", "unit": "Cel", "nor_low": "36.5", "nor_high": "37.5",
        "par_low": "35", "par_high": "39", "decimals": 1,
    }  # fmt: skip
    assert step["materials"][0] == {
        "material": "MED-001", "quantity": "500", "unit": "mL", "tolerance_percent": "5", "verification": True
    }  # fmt: skip
    assert draft(qa_reviewer, version, back).content_hash == mbr.content_hash  # the same document, the same hash


def test_records_are_numbered_per_process_version(qa_reviewer, version, doc):
    assert [draft(qa_reviewer, version, doc).number for _ in range(2)] == [1, 2]


def test_every_row_is_written_through_the_ledger(qa_reviewer, version, doc):
    before = AuditEntry.objects.count()
    mbr = draft(qa_reviewer, version, doc)
    # header, 3 steps, each with 1 SOP, 1 parameter, 1 control, 1 material
    assert AuditEntry.objects.count() - before == 1 + 3 * 5
    assert all(s.parallel_group == i for i, s in enumerate(steps_of(mbr), 1))


def _broken(doc, path, value):
    bad = copy.deepcopy(doc)
    target = bad
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return bad


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        (("steps", 1, "parameters", 0, "nor_low"), "34", "step 20.parameters[1].nor_low", "is below par_low"),
        (("steps", 1, "parameters", 0, "nor_high"), "36", "step 20.parameters[1].nor_high", "is below nor_low"),
        (("steps", 1, "parameters", 0, "par_high"), "37", "step 20.parameters[1].par_high", "is below nor_high"),
        (
            ("steps", 1, "parameters", 0, "nor_low"),
            None,
            "step 20.parameters[1].nor_low",
            "the NOR lies within the PAR",
        ),
        (("steps", 1, "parameters", 0, "unit"), "degC", "step 20.parameters[1].unit", "is not a unit of the list"),
        (("steps", 1, "parameters", 0, "nor_low"), "36.55", "step 20.parameters[1].nor_low", "at most 1 decimal"),
        (("steps", 1, "parameters", 0, "decimals"), 9, "step 20.parameters[1].decimals", "whole number 0-6"),
        (("steps", 1, "controls", 0, "high"), "80", "step 20.controls[1].high", "is below low"),
        (("steps", 1, "controls", 0, "low"), None, "step 20.controls[1].low", "has a limit"),
        (("steps", 1, "materials", 0, "quantity"), "0", "step 20.materials[1].quantity", "more than 0"),
        (("steps", 1, "materials", 0, "unit"), "g", "step 20.materials[1].unit", "g cannot be converted to L"),
        (("steps", 1, "materials", 0, "unit"), "ml", "step 20.materials[1].unit", "not a UCUM code"),
        (("steps", 1, "materials", 0, "material"), "NOPE", "step 20.materials[1].material", "no material 'NOPE'"),
        (
            ("steps", 1, "materials", 0, "tolerance_percent"),
            "101",
            "step 20.materials[1].tolerance_percent",
            "0 to 100",
        ),
        (("steps", 1, "sops", 0), "SOP-9999", "step 20.sops[1]", "no document 'SOP-9999'"),
        (("steps", 1, "room_grade"), "E", "step 20.room_grade", "not one of A, B, C, D"),
        (("steps", 1, "number"), 10, "steps[2].number", "numbers increase"),
        (("steps", 1, "title"), "", "step 20.title", "must be filled in"),
        (("steps", 1, "verification"), "yes", "step 20.verification", "true or false"),
        (("steps", 0, "parallel_with_previous"), True, "step 10.parallel_with_previous", "first step"),
        (("steps", 1, "colour"), "red", "steps[2].colour", "is not a field"),
        (("title",), KeyError, "title", "is required"),
    ],
)
def test_the_first_bad_field_refuses_the_whole_document_naming_it(qa_reviewer, version, doc, path, value, field, rule):
    before = (AuditEntry.objects.count(), MasterBatchRecord.objects.count(), MbrStep.objects.count())
    with pytest.raises(InvalidInput, match=rule) as refused:
        draft(qa_reviewer, version, _broken(doc, path, value))
    assert refused.value.field == field
    assert (AuditEntry.objects.count(), MasterBatchRecord.objects.count(), MbrStep.objects.count()) == before


def test_a_bound_may_be_open_and_a_unit_given_by_its_symbol(qa_reviewer, version, doc):
    parameter = doc["steps"][0]["parameters"][0]
    parameter.update(unit="°C", par_low=None, nor_low=None)
    doc["steps"][0]["materials"][0]["unit"] = "L"
    mbr = draft(qa_reviewer, version, doc)
    back = document_of(mbr)["steps"][0]
    assert (back["parameters"][0]["unit"], back["parameters"][0]["nor_low"]) == ("Cel", None)


def test_a_sop_of_another_site_is_refused(qa_reviewer, version, doc):
    from atmp.testing import make_site

    elsewhere = qf.make_document(actor=qa_reviewer, site=make_site(actor=qa_reviewer, code="GEN", name="Geneva"))
    doc["steps"][0]["sops"] = [elsewhere.number]
    with pytest.raises(InvalidInput, match="of site LEI or of every site") as refused:
        draft(qa_reviewer, version, doc)
    assert refused.value.field == "step 10.sops[1]"


def test_qa_makes_it_effective_and_the_next_supersedes_it(qa_reviewer, qa_approver, version, doc):
    first = draft(qa_reviewer, version, doc)
    svc.make_effective(actor=qa_approver, mbr=first, password=PASSWORD, reason="approved")
    assert first.status == "effective" and first.effective_from is not None
    second = svc.copy_mbr(actor=qa_reviewer, source=first, reason="new version")
    assert (second.number, second.copied_from_id, document_of(second)) == (2, first.pk, document_of(first))
    svc.make_effective(actor=qa_approver, mbr=second, password=PASSWORD, reason="v2")
    first.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "effective")


def test_its_author_does_not_make_it_effective(qa_approver, version, doc):
    own = draft(qa_approver, version, doc)
    with pytest.raises(LedgerError, match="segregation of duties"):
        svc.make_effective(actor=qa_approver, mbr=own, password=PASSWORD, reason="mine")


def test_who_replaced_the_content_does_not_approve_it(qa_reviewer, qa_approver, version, doc):
    mbr = draft(qa_reviewer, version, doc)
    doc["title"] = "Re-worded"
    svc.replace_content(actor=qa_approver, mbr=mbr, document=doc, reason="tidied")
    with pytest.raises(LedgerError, match="segregation of duties"):
        svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="mine now")


def test_it_refuses_to_become_effective_for_a_process_version_not_effective(
    qa_reviewer, qa_approver, product, site, doc
):
    pv = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    mbr = draft(qa_reviewer, pv, doc)
    with pytest.raises(RuleViolation, match="process version not effective: AAV-001 process v1 is draft"):
        svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="too early")
    mbr.refresh_from_db()
    assert mbr.status == "draft"


def test_it_refuses_to_become_effective_without_a_step(qa_reviewer, qa_approver, version):
    mbr = draft(qa_reviewer, version, {"title": "Empty", "steps": []})
    with pytest.raises(RuleViolation, match="no steps"):
        svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="empty")


def test_it_refuses_to_become_effective_with_a_sop_not_effective(qa_reviewer, qa_approver, version, doc, site):
    draft_sop = qf.make_document(actor=qa_reviewer, site=site)
    doc["steps"][2]["sops"].append(draft_sop.number)
    mbr = draft(qa_reviewer, version, doc)
    with pytest.raises(RuleViolation, match=f"SOP not effective: step 30 relies on {draft_sop.number}"):
        svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="approve")


def test_it_refuses_to_become_effective_with_a_material_voided_since(qa_reviewer, qa_approver, version, doc, medium):
    from atmp.ledger import writer

    mbr = draft(qa_reviewer, version, doc)
    with writer.change(actor=qa_reviewer, reason="withdrawn from the catalogue"):
        medium.voided = True
        medium.save()
    with pytest.raises(RuleViolation, match="content: step 10.materials\\[1\\].material"):
        svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="approve")


def test_an_effective_record_is_frozen(qa_reviewer, qa_approver, version, doc):
    from atmp.ledger import writer

    mbr = draft(qa_reviewer, version, doc)
    svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="approved")
    with pytest.raises(Conflict, match="frozen: manufacturing.masterbatchrecord:.* is effective"):
        svc.replace_content(actor=qa_reviewer, mbr=mbr, document=doc, reason="edit")
    step = steps_of(mbr)[0]
    with pytest.raises(Conflict, match="frozen"), writer.change(actor=qa_reviewer, reason="behind the service"):
        step.instructions = "changed"
        step.save()


def test_a_draft_s_content_is_replaced_whole_and_the_old_rows_voided(qa_reviewer, version, doc):
    mbr = draft(qa_reviewer, version, doc)
    old = [s.pk for s in steps_of(mbr)]
    doc["steps"] = doc["steps"][:1]
    svc.replace_content(actor=qa_reviewer, mbr=mbr, document=doc, reason="one step is enough")
    assert [s["number"] for s in document_of(mbr)["steps"]] == [10]
    assert MbrStep.objects.filter(pk__in=old, voided=True).count() == 3


def test_superseding_the_process_version_supersedes_its_record(qa_reviewer, qa_approver, version, doc, site):
    from atmp.quality.tests.helpers_change import move

    mbr = draft(qa_reviewer, version, doc)
    svc.make_effective(actor=qa_approver, mbr=mbr, password=PASSWORD, reason="approved")
    change = qf.make_changecontrol(actor=qa_reviewer, site=site)
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    second = factories.make_processversion(actor=qa_reviewer, product=version.product, site=site, change_control=change)
    products.make_effective(actor=qa_approver, version=second, password=PASSWORD, reason="v2")
    mbr.refresh_from_db()
    assert mbr.status == "superseded"
    copied = svc.copy_mbr(actor=qa_reviewer, source=mbr, process_version=second, reason="for v2")
    assert (copied.process_version_id, copied.number) == (second.pk, 1)


def test_no_record_is_drafted_for_a_superseded_or_withdrawn_process_version(
    qa_reviewer, qa_approver, product, site, doc
):
    from atmp.workflow import engine

    pv = factories.make_processversion(actor=qa_reviewer, product=product, site=site)
    engine.transition(qa_approver, pv, "withdraw", reason="abandoned")
    with pytest.raises(InvalidInput, match="is withdrawn") as refused:
        draft(qa_reviewer, pv, doc)
    assert refused.value.field == "process_version"
