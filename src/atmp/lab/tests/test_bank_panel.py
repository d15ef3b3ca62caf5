"""A cell bank's ICH Q5D panel, tested by QC against a bank specification, gates QA's release of the bank
(ADR 0030): refused while a test is not tested, fails or awaits review, each named; released once every
test conforms, reviewed; the bank page shows each test's status; the API and the command line refuse alike."""

from __future__ import annotations

import json

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.lab import factories
from atmp.lab.models import OosInvestigation, Result, SpecificationAttribute
from atmp.lab.services import results as svc
from atmp.lab.services.specifications import add_attribute, new_specification
from atmp.ledger.errors import RuleViolation
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD, ApiClient, signed_in, token_for
from atmp.trace import bank_panel
from atmp.trace import factories as tf
from atmp.trace.bank_results import statuses
from atmp.trace.services.lots import release_lot
from atmp.trace.tests.clirunner import atmp

pytestmark = pytest.mark.django_db

CELL_PANEL = ("identity", "sterility", "mycoplasma", "endogenous_viruses", "adventitious_in_vitro",
              "adventitious_in_vivo", "rcv")  # fmt: skip


@pytest.fixture
def hek(qa_reviewer):
    return tf.make_cell_line(actor=qa_reviewer, code="CL-HEK293", name="HEK293")


@pytest.fixture
def mcb(qa_reviewer, site, hek):
    """A HEK293 MCB in quarantine whose cells make a viral vector (its panel adds RCV)."""
    return tf.make_cell_bank(actor=qa_reviewer, kind="mcb", material=hek, site=site, vector_production=True)


def _test(bank, qa_reviewer, **fields):
    return factories.make_tested_bank_panel(
        bank=bank, analyst=qa_reviewer, reviewer_user=factories.reviewer(), **fields
    )


def _release(bank, approver):
    return release_lot(actor=approver, lot=bank.lot, password=PASSWORD, reason="the ICH Q5D panel conforms")


def test_a_bank_specification_is_of_a_cell_line_or_seed_and_each_attribute_names_a_panel_test(qa_reviewer, hek):
    medium = tf.make_material(actor=qa_reviewer, type="medium")
    with pytest.raises(InvalidInput, match="a bank specification is of a cell line or a vector seed") as exc:
        new_specification(actor=qa_reviewer, material=medium, phase="iii")
    assert exc.value.field == "material"
    with pytest.raises(InvalidInput, match="name one"):
        new_specification(actor=qa_reviewer, phase="iii")
    spec = new_specification(actor=qa_reviewer, material=hek, phase="iii")
    assert str(spec) == "CL-HEK293 Phase III bank specification v1" and spec.product is None
    method = factories.bank_method(actor=qa_reviewer, test="sterility")
    fields = {"actor": qa_reviewer, "specification": spec, "name": "Sterility", "method": method}
    with pytest.raises(InvalidInput, match="not a test of the bank panel") as exc:
        add_attribute(**fields, kind="conforms", criterion="No growth", panel_test="potency")
    assert exc.value.field == "panel_test"
    with pytest.raises(InvalidInput, match="not as reported"):
        add_attribute(**fields, kind="report", criterion="", panel_test="sterility")
    add_attribute(**fields, kind="conforms", criterion="No growth", panel_test="sterility")
    with pytest.raises(InvalidInput, match="tested by an attribute of this specification already"):
        add_attribute(**fields, kind="conforms", criterion="No growth", panel_test="sterility")
    release = factories.make_specification(actor=qa_reviewer)
    with pytest.raises(InvalidInput, match="tests no bank panel test"):
        add_attribute(**{**fields, "specification": release}, kind="conforms", criterion="x", panel_test="sterility")


def test_a_bank_sample_is_of_a_bank_lot_and_is_judged_against_the_bank_specification(qa_reviewer, site, mcb, hek):
    plain = tf.make_lot(actor=qa_reviewer, material=hek, site=site)
    with pytest.raises(InvalidInput, match="a bank sample is of a cell bank or seed lot only") as exc:
        svc.add_sample(actor=qa_reviewer, site=site, lot=plain, purpose="bank", quantity="1", unit="{vial}",
                       taken_by="QC")  # fmt: skip
    assert exc.value.field == "lot"
    factories.make_bank_specification(actor=qa_reviewer, material=hek)
    sample = factories.make_bank_sample(actor=qa_reviewer, bank=mcb)
    names = [a.panel_test for a in svc.attributes_for(sample)]
    assert names == list(CELL_PANEL)
    other = svc.add_sample(actor=qa_reviewer, site=site, lot=plain, purpose="in_process", quantity="1",
                           unit="{vial}", taken_by="QC")  # fmt: skip
    with pytest.raises(InvalidInput, match="no batch"):
        svc.attributes_for(other)


def test_release_is_refused_naming_each_test_not_tested(qa_reviewer, qa_approver, mcb):
    before = AuditEntry.objects.count()
    with pytest.raises(RuleViolation, match="panel not conforming") as exc:
        _release(mcb, qa_approver)
    for test in bank_panel.panel("mcb", vector_production=True):
        assert f"{test.name} (not tested)" in str(exc.value)
    assert AuditEntry.objects.count() == before
    mcb.lot.refresh_from_db()
    assert mcb.lot.status == "quarantine"


def test_release_is_refused_naming_the_failing_and_the_unreviewed_tests(qa_reviewer, qa_approver, mcb):
    _test(mcb, qa_reviewer, failing=("mycoplasma",), unreviewed=("rcv",), skip=("adventitious_in_vivo",))
    assert statuses(mcb) == {
        "identity": "conforms", "sterility": "conforms", "mycoplasma": "fails", "endogenous_viruses": "conforms",
        "adventitious_in_vitro": "conforms", "adventitious_in_vivo": "not tested", "rcv": "awaiting review",
    }  # fmt: skip
    failed = Result.objects.get(attribute__panel_test="mycoplasma")
    assert OosInvestigation.objects.filter(result=failed).exists()  # the batch results' OOS path
    with pytest.raises(RuleViolation) as exc:
        _release(mcb, qa_approver)
    text = str(exc.value)
    assert "Mycoplasma (fails)" in text and "Replication-competent virus (awaiting review)" in text
    assert "Adventitious viruses, in vivo assays (not tested)" in text and "Sterility" not in text


def test_the_bank_is_released_once_every_test_conforms_reviewed(qa_reviewer, qa_approver, mcb):
    sample = _test(mcb, qa_reviewer, failing=("sterility",))
    assert statuses(mcb)["sterility"] == "fails"
    failed = Result.objects.get(sample=sample, attribute__panel_test="sterility")
    retest = svc.correct_result(actor=qa_reviewer, result=failed, value="conforms", reason="retest: invalid test")
    assert statuses(mcb)["sterility"] == "awaiting review"
    svc.review(actor=factories.reviewer(), result=retest, password=PASSWORD)
    assert set(statuses(mcb).values()) == {"conforms"}
    assert _release(mcb, qa_approver).status == "released"


def test_the_analyst_may_not_review_their_own_bank_result(qa_reviewer, mcb):
    sample = _test(mcb, qa_reviewer, unreviewed=("identity",))
    result = Result.objects.get(sample=sample, attribute__panel_test="identity")
    with pytest.raises(Exception, match="(?i)author|own|entered|segregation|duties"):
        svc.review(actor=qa_reviewer, result=result, password=PASSWORD)
    assert statuses(mcb)["identity"] == "awaiting review"


def test_the_bank_page_shows_each_test_with_its_status(qa_reviewer, qa_approver, mcb):
    _test(mcb, qa_reviewer, failing=("identity",), unreviewed=("sterility",), skip=("rcv",))
    page = signed_in(qa_approver).get(f"/records/trace.cellbank/{mcb.pk}/").content.decode()
    assert 'data-testid="bank-test-identity"' in page
    rows = {code: page.split(f'data-testid="bank-test-{code}"', 1)[1].split("</tr>", 1)[0] for code in CELL_PANEL}
    assert "Fails" in rows["identity"] and "Awaiting review" in rows["sterility"] and "Not tested" in rows["rcv"]
    assert "Conforms" in rows["mycoplasma"]
    lot_page = signed_in(qa_approver).get(f"/records/trace.lot/{mcb.lot_id}/").content.decode()
    assert "panel not conforming" in lot_page  # the release's refusal, shown before anyone tries
    # The API's and the command line's bank document say the same, test by test.
    shown = ApiClient(token_for(qa_approver)).get(f"/trace/cell-banks/{mcb.lot.number}").json()
    assert {t["code"]: t["status"] for t in shown["panel"]} == statuses(mcb)
    assert statuses(mcb)["identity"] == "fails" and statuses(mcb)["rcv"] == "not tested"
    text = atmp("bank", "show", mcb.lot.number, "--as", qa_approver.username).stdout
    assert "Identity (e.g. STR profile, isoenzymes) (ICH Q5D §2.3.1): fails" in text


def test_the_api_and_the_command_line_refuse_the_release_naming_the_tests(qa_reviewer, qa_approver, mcb):
    _test(mcb, qa_reviewer, failing=("endogenous_viruses",))
    api = ApiClient(token_for(qa_approver))
    refused = api.post(f"/trace/lots/{mcb.lot.number}/release", {"reason": "panel done", "password": PASSWORD})
    assert refused.status_code == 422, refused.content
    assert "Retroviruses and other endogenous viruses (fails)" in str(refused.json())
    cli = atmp("lot", "release", mcb.lot.number, "--as", qa_approver.username, "--reason", "panel done")
    assert cli.exit_code == 2 and "Retroviruses and other endogenous viruses (fails)" in cli.stderr
    mcb.lot.refresh_from_db()
    assert mcb.lot.status == "quarantine"


def test_a_release_specification_and_batch_results_are_unchanged(qa_reviewer):
    result = factories.make_result(actor=qa_reviewer)
    attribute = SpecificationAttribute.objects.get(pk=result.attribute_id)
    assert attribute.panel_test == "" and result.specification.product is not None


def test_a_bank_specification_through_the_api_and_the_command_line(qa_reviewer, hek):
    from atmp.lab.tests.test_cli import atmp as lab

    method = factories.bank_method(actor=qa_reviewer, test="mycoplasma")
    api = ApiClient(token_for(qa_reviewer))
    made = api.post("/lab/specifications", {"material": "CL-HEK293", "phase": "iii"})
    assert made.status_code == 201, made.content
    spec_id = made.json()["id"]
    bad = api.post(f"/lab/specifications/{spec_id}/attributes", {"name": "Myco", "method": method.code,
                   "kind": "conforms", "criterion": "Not detected", "panel_test": "potency"})  # fmt: skip
    assert bad.status_code in (400, 422) and bad.json()["field"] == "panel_test", bad.content
    added = api.post(f"/lab/specifications/{spec_id}/attributes", {"name": "Myco", "method": method.code,
                     "kind": "conforms", "criterion": "Not detected", "panel_test": "mycoplasma"})  # fmt: skip
    assert added.status_code == 201 and added.json()["attributes"][0]["panel_test"] == "mycoplasma"
    neither = api.post("/lab/specifications", {"phase": "iii"})
    assert neither.status_code in (400, 422) and "name one" in str(neither.json())
    out = lab("spec", "new", "--material", "CL-HEK293", "--phase", "i", "--as", qa_reviewer.username, "--json")
    assert out.exit_code == 0, out.stderr
    cli_id = str(json.loads(out.stdout)["id"])
    refused = lab("spec", "attribute", "add", cli_id, "--name", "Myco", "--method", method.code, "--kind",
                  "conforms", "--criterion", "Not detected", "--as", qa_reviewer.username)  # fmt: skip
    assert refused.exit_code == 2 and "panel_test" in refused.stderr
