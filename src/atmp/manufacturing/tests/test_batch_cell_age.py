"""The cell age rule (ICH Q5D §2.3.3): a step's cell age (a parameter in passages or population
doublings) is held to the limit of the bank the batch's cells came from. Within it, an ordinary
entry; beyond it, recorded (a fact), flagged, a deviation opened in the same change, and the step
cannot be completed; the same at every entry point (service, API, CLI, page). Without a bank, or in
another unit than the bank's, refused and nothing written."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.test import Client

from atmp.accounts.errors import InvalidInput
from atmp.cli.main import main
from atmp.ledger.errors import RuleViolation
from atmp.manufacturing import factories
from atmp.manufacturing.models import BatchEntry
from atmp.manufacturing.selectors.batches import cell_age_limits, cell_banks, missing_entries
from atmp.manufacturing.services.batch_entries import correct_entry, record_parameter
from atmp.manufacturing.services.batch_materials import add_material
from atmp.manufacturing.services.batch_steps import complete_step, start_step
from atmp.quality.models import Deviation
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db

RULE = "cell age 23 passages is beyond {} limit of 20 passages from the bank"


@pytest.fixture
def setup(qa_reviewer, operator):
    """A running first step of a batch that thaws a WCB (limit 20 passages), its operator, and the WCB."""
    batch, wcb = factories.make_cell_age_batch(actor=qa_reviewer)
    floor = factories.make_floor(batch=batch, operator=operator)
    step = batch.steps.order_by("number")[0]
    start_step(actor=operator, step=step, room=floor["room"], equipment=[floor["bsc"]])
    return step, floor, wcb


@pytest.fixture
def thawed(setup):
    """The step after the WCB vial was added (a genealogy use of the bank)."""
    step, floor, wcb = setup
    line = step.mbr_step.materials.get(material=wcb.lot.material)
    add_material(actor=floor["operator"], step=step, line=line, lot=wcb.lot.number, quantity="1")
    return setup


def _age(step):
    return step.mbr_step.parameters.get(name="Cell age")


def test_the_batch_s_cells_come_from_the_bank_whose_vial_was_added(thawed):
    step, _, wcb = thawed
    assert cell_banks(step.batch) == [wcb]  # the WCB, not the MCB behind it
    assert cell_age_limits(step) == [f"Cell age: at most 20 passages from the thaw of {wcb.label} (ICH Q5D §2.3.3)"]


def test_a_cell_age_within_the_limit_is_an_ordinary_entry(thawed):
    step, floor, _ = thawed
    entry = record_parameter(actor=floor["operator"], step=step, parameter=_age(step), value="20")
    assert (entry.flag, entry.deviation) == ("ok", None)


def test_a_cell_age_beyond_the_limit_opens_a_deviation_and_holds_the_step(thawed):
    step, floor, wcb = thawed
    entry = record_parameter(actor=floor["operator"], step=step, parameter=_age(step), value="23")
    assert entry.flag == "beyond_cell_age" and entry.deviation is not None
    assert RULE.format(wcb.label) in entry.deviation.description
    assert any("a cell age within the bank's limit" in m for m in missing_entries(step))
    with pytest.raises(RuleViolation, match="a cell age within the bank's limit"):
        complete_step(actor=floor["operator"], step=step)
    # A mistyped value is corrected (a superseding entry, with a reason): the step is no longer held.
    correct_entry(actor=floor["operator"], entry=entry, value="13", reason="typed 23 for 13")
    assert not any("cell age" in m for m in missing_entries(step))


def test_a_cell_age_before_any_bank_is_refused_and_nothing_is_written(setup, ledger_size):
    step, floor, _ = setup
    before = ledger_size()
    with pytest.raises(RuleViolation, match="was made from no cell bank or seed stock"):
        record_parameter(actor=floor["operator"], step=step, parameter=_age(step), value="5")
    assert ledger_size() == before


def test_a_cell_age_is_a_whole_number(thawed, ledger_size):
    step, floor, _ = thawed
    before = ledger_size()
    with pytest.raises(InvalidInput, match="value format"):
        record_parameter(actor=floor["operator"], step=step, parameter=_age(step), value="5.5")
    assert ledger_size() == before


def test_a_cell_age_through_the_api_answers_the_flag_and_the_deviation(thawed):
    step, floor, wcb = thawed
    api = ApiClient(token_for(floor["operator"]))
    position = _age(step).position
    made = api.post(
        f"/manufacturing/batches/{step.batch.number}/steps/10/parameters", {"position": position, "value": "23"}
    )
    assert made.status_code == 201, made.content
    entry = BatchEntry.objects.get(pk=made.json()["id"])
    assert entry.flag == "beyond_cell_age" and RULE.format(wcb.label) in entry.deviation.description


def test_a_cell_age_on_the_command_line_is_held_to_the_limit(setup):
    step, floor, wcb = setup
    n, position = step.batch.number, str(_age(step).position)
    run = CliRunner()
    refused = run.invoke(main, ["manufacturing", "batch", "param", n, "10", position, "5", "--as", "olga"],
                         env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)  # fmt: skip
    assert refused.exit_code == 2 and "was made from no cell bank or seed stock" in refused.stderr
    line = step.mbr_step.materials.get(material=wcb.lot.material)
    add_material(actor=floor["operator"], step=step, line=line, lot=wcb.lot.number, quantity="1")
    done = run.invoke(main, ["manufacturing", "batch", "param", n, "10", position, "23", "--as", "olga", "--json"],
                      env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["flag"] == "beyond_cell_age"
    assert Deviation.objects.filter(description__contains=RULE.format(wcb.label)).count() == 1


def test_the_step_page_shows_the_limit_and_records_the_cell_age(thawed, operator):
    step, _, wcb = thawed
    browser = Client()
    assert browser.login(username="olga", password=PASSWORD)
    url = f"/manufacturing/batches/{step.batch.pk}/steps/10/"
    html = browser.get(url).content.decode()
    assert f"Cell age: at most 20 passages from the thaw of {wcb.label}" in html
    posted = browser.post(f"{url}?do=parameter", {"parameter-position": _age(step).position, "parameter-value": "23"})
    assert posted.status_code == 302
    entry = BatchEntry.objects.get(step=step, parameter=_age(step))
    assert entry.flag == "beyond_cell_age" and entry.deviation is not None
