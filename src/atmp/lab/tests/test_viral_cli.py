"""`atmp lab viral …`: a study opened, steps added, the report attached, submitted and approved with
--json; bad input exits 2 naming the field, with no traceback."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db

STEP = [
    "--name",
    "Low pH hold",
    "--mechanism",
    "low_ph",
    "--virus",
    "MuLV",
    "--family",
    "Retroviridae",
    "--enveloped",
    "--size",
    "80-110",
    "--unit",
    "tcid50_ml",
    "--load-titre",
    "6.5",
    "--load-volume",
    "100",
    "--output-volume",
    "100",
]


def atmp(*args):
    return CliRunner().invoke(main, ["lab", "viral", *args], env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_study_is_opened_filled_submitted_and_approved(qa_reviewer, qa_approver, site, aav, tmp_path):
    made = doc(
        atmp(
            "new",
            "--site",
            "LEI",
            "--product",
            "AAV9-SMN",
            "--title",
            "Downstream",
            "--laboratory",
            "CRO",
            "--viruses",
            "MuLV",
            "--as",
            "rita",
            "--json",
        )
    )
    number = made["number"]
    doc(atmp("step", "add", number, *STEP, "--output-titre", "2.5", "--as", "rita", "--json"))
    shown = doc(
        atmp(
            "step",
            "add",
            number,
            *STEP[:1],
            "AEX",
            "--mechanism",
            "aex",
            *STEP[4:],
            "--not-detected",
            "--sampled-volume",
            "100",
            "--as",
            "rita",
            "--json",
        )
    )
    assert shown["results"]["viruses"][0]["claim_text"].startswith("≥ ")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 final report")
    doc(atmp("report", number, "--file", str(report), "--as", "rita", "--json"))
    assert doc(atmp("submit", number, "--reason", "complete", "--as", "rita", "--json"))["status"] == "in_review"
    approved = doc(atmp("approve", number, "--reason", "claim accepted", "--as", "alex", "--json"))
    assert approved["status"] == "approved" and approved["results_frozen"]
    text = atmp("show", number, "--as", "rita")
    assert text.exit_code == 0 and "claim ≥" in text.output and "frozen" in text.output
    listed = doc(atmp("list", "--as", "rita", "--json"))
    assert [i["number"] for i in listed["items"]] == [number]


def test_bad_input_exits_2_naming_the_field(qa_reviewer, site, aav):
    number = doc(
        atmp(
            "new",
            "--site",
            "LEI",
            "--product",
            "AAV9-SMN",
            "--title",
            "T",
            "--laboratory",
            "CRO",
            "--viruses",
            "MuLV",
            "--as",
            "rita",
            "--json",
        )
    )["number"]
    weak = atmp("step", "add", number, *STEP, "--output-titre", "6.0", "--as", "rita")
    assert weak.exit_code == 2 and "counted" in weak.output and "not above 1" in weak.output
    assert "Traceback" not in weak.output
    excluded = atmp("step", "add", number, *STEP, "--output-titre", "6.0", "--excluded", "--as", "rita")
    assert excluded.exit_code == 2 and "count_reason" in excluded.output
    nonsense = atmp("step", "add", number, *STEP, "--output-titre", "two", "--as", "rita")
    assert nonsense.exit_code == 2 and "output_log10_titre" in nonsense.output
    unknown = atmp("show", "VC-1999-0001", "--as", "rita")
    assert unknown.exit_code == 2 and "study" in unknown.output
    early = atmp("approve", number, "--reason", "x", "--as", "rita")
    assert early.exit_code == 2
