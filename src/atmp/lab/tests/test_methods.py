"""Methods: adding one, setting its validation status per phase, and whether it is fit for a phase."""

from __future__ import annotations

import io

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.lab import factories
from atmp.lab.models import MethodValidation
from atmp.lab.services import methods


def test_it_adds_a_method_linked_to_its_sop(qa_reviewer, site):
    from atmp.quality import factories as qf

    sop = qf.make_document(actor=qa_reviewer, site=site, title="ddPCR titre")
    method = methods.add_method(
        actor=qa_reviewer, code="QC-VG", title="Vector genome titre", method_type="quantity", sop=sop.number
    )
    assert (method.code, method.sop, method.revision) == ("QC-VG", sop, "1")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "bad code"}, "code"),
        ({"method_type": "magic"}, "method_type"),
        ({"title": ""}, "title"),
        ({"sop": "SOP-NONE"}, "sop"),
    ],
)
def test_it_refuses_a_bad_method_naming_the_field(qa_reviewer, fields, field):
    with pytest.raises(InvalidInput) as refused:
        factories.make_method(actor=qa_reviewer, **fields)
    assert refused.value.field == field


def test_it_refuses_a_second_method_with_the_same_code(qa_reviewer):
    factories.make_method(actor=qa_reviewer, code="QC-1")
    with pytest.raises(InvalidInput, match="exists already"):
        factories.make_method(actor=qa_reviewer, code="QC-1")


def test_it_refuses_an_inspector_adding_a_method(inspector):
    with pytest.raises(NotAllowed):
        factories.make_method(actor=inspector)


def test_a_status_above_not_validated_needs_its_report(qa_reviewer, titre):
    with pytest.raises(InvalidInput) as refused:
        methods.set_validation(actor=qa_reviewer, method=titre, phase="commercial", status="validated")
    assert refused.value.field == "report"


def test_setting_a_status_again_changes_the_phases_one_record(qa_reviewer, titre):
    methods.set_validation(
        actor=qa_reviewer, method=titre, phase="II", status="validated", report=io.BytesIO(b"r"), report_name="r.txt"
    )
    rows = MethodValidation.objects.filter(method=titre, phase="ii")
    assert [r.validation_status for r in rows] == ["validated"]
    assert rows[0].report is not None


@pytest.mark.parametrize(("phase", "status"), [("phase IV", "validated"), ("iii", "sort of")])
def test_it_refuses_an_unknown_phase_or_status(qa_reviewer, titre, phase, status):
    with pytest.raises(InvalidInput) as refused:
        methods.set_validation(actor=qa_reviewer, method=titre, phase=phase, status=status, report=io.BytesIO(b"r"))
    assert refused.value.field in ("phase", "status")


def test_it_refuses_a_validation_dated_in_the_future(qa_reviewer, titre):
    with pytest.raises(InvalidInput, match="future"):
        methods.set_validation(
            actor=qa_reviewer,
            method=titre,
            phase="i",
            status="qualified",
            report=io.BytesIO(b"r"),
            done_on="2999-01-01",
        )


def test_a_qualified_method_is_fit_for_phase_i_and_ii_but_not_iii(qa_reviewer, elisa, titre):
    assert methods.fit_for(elisa, "i") is None
    assert "not fit for Phase II: QC-CAP is not validated for Phase II" in methods.fit_for(elisa, "ii")
    assert methods.fit_for(titre, "ii") is None
    assert methods.fit_for(titre, "iii") is None
    assert "needs it validated" in methods.fit_for(titre, "commercial")


def test_a_safety_method_needs_validation_in_every_phase(qa_reviewer):
    sterility = factories.make_method(actor=qa_reviewer, code="QC-STER", title="Sterility", method_type="safety")
    factories.make_methodvalidation(actor=qa_reviewer, method=sterility, phase="i", status="qualified")
    assert "a safety test needs it validated" in methods.fit_for(sterility, "i")
    factories.make_methodvalidation(actor=qa_reviewer, method=sterility, phase="i", status="validated")
    assert methods.fit_for(sterility, "i") is None
