"""`atmp lab potency …`: criteria, a run added with its plate, evaluated, reviewed by a second person and
combined, with --json; bad input exits 2 naming the field, with no traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.lab import factories
from atmp.lab.models import PotencyRun
from atmp.ledger import clock
from atmp.manufacturing import factories as mf
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args):
    return CliRunner().invoke(main, ["lab", "potency", *args], env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_criteria_runs_review_and_combination(qa_reviewer, qa_approver, tmp_path):
    batch = mf.make_batch(actor=qa_reviewer)
    method = factories.make_method(actor=qa_reviewer, method_type="potency")
    made = doc(atmp("criteria", method.code, "--max-ci-ratio", "2", "--reason", "SOP", "--as", "rita", "--json"))
    assert made["criteria"]["max_ci_ratio"] == "2"
    lot = factories.make_reference_lot(actor=qa_reviewer, site=batch.site)
    numbers = []
    for seed in (2, 5):
        plate = tmp_path / f"plate{seed}.csv"
        plate.write_bytes(factories.potency_plate(seed=seed))
        run = doc(
            atmp(
                "run", "add", "--site", batch.site.code, "--method", method.code,
                "--date", clock.now().date().isoformat(), "--reference-lot", lot.number,
                "--plate", str(plate), "--batch", batch.number, "--as", "rita", "--json",
            )
        )  # fmt: skip
        evaluated = doc(atmp("run", "evaluate", run["number"], "--as", "rita", "--json"))
        assert evaluated["valid"] and evaluated["status"] == "evaluated"
        own = atmp("run", "review", run["number"], "--reason", "mine", "--as", "rita")
        assert own.exit_code != 0 and "Traceback" not in own.output
        doc(atmp("run", "review", run["number"], "--reason", "checked", "--as", "alex", "--json"))
        numbers.append(run["number"])
    shown = atmp("run", "show", numbers[0], "--as", "rita")
    assert shown.exit_code == 0 and "usable for release" in shown.output
    listed = doc(atmp("run", "list", "--batch", batch.number, "--as", "rita", "--json"))
    assert sorted(i["number"] for i in listed["items"]) == sorted(numbers)
    result = doc(
        atmp("combine", "--batch", batch.number, "--run", numbers[0], "--run", numbers[1], "--as", "rita", "--json")
    )
    assert result["runs"] == numbers


def test_bad_input_exits_2_naming_the_field(qa_reviewer, site, tmp_path):
    method = factories.make_potency_method(actor=qa_reviewer)
    lot = factories.make_reference_lot(actor=qa_reviewer, site=site)
    plate = tmp_path / "bad.csv"
    plate.write_bytes(b"well,preparation,dose,response\nA1,S,-1,1\n")
    bad = atmp(
        "run", "add", "--site", site.code, "--method", method.code, "--date", clock.now().date().isoformat(),
        "--reference-lot", lot.number, "--plate", str(plate), "--as", "rita",
    )  # fmt: skip
    assert bad.exit_code == 2 and "plate" in bad.output and "Traceback" not in bad.output
    assert not PotencyRun.objects.exists()
    invalid = factories.make_evaluated_potencyrun(
        actor=qa_reviewer, plate=factories.potency_plate(seed=3, test_slope=1.6)
    )
    refused = atmp("combine", "--batch", "NOPE", "--run", invalid.number, "--as", "rita")
    assert refused.exit_code == 2 and "batch" in refused.output
