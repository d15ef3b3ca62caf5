"""`atmp manufacturing …`: the same rules as the API, exit 2 naming the rule, --json documents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str, password: str = PASSWORD):
    return CliRunner().invoke(main, ["manufacturing", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_equipment_is_registered_qualified_calibrated_cleaned_and_used(
    qa_reviewer, qa_approver, operator, site, tmp_path
):
    doc(atmp("equipment", "register", "BSC-09", "--name", "BSC", "--class", "bsc", "--site", site.code,
             "--calibration-days", "365", "--clean-hold-hours", "24", "--as", "rita", "--json"))  # fmt: skip
    for day, stage in (("2026-01-05", "iq"), ("2026-01-06", "oq"), ("2026-01-07", "pq")):
        report = tmp_path / f"{stage}.txt"
        report.write_text(f"{stage} executed")
        doc(atmp("equipment", "qualification", "BSC-09", "--stage", stage, "--done-on", day,
                 "--report", str(report), "--as", "rita", "--json"))  # fmt: skip
    assert doc(atmp("equipment", "qualify", "BSC-09", "--as", "alex", "--reason", "approved", "--json"))["status"] == (
        "qualified"
    )
    refused = atmp("equipment", "usable", "BSC-09", "--as", "olga", "--json")
    assert refused.exit_code == 1 and json.loads(refused.stdout)["refused"].startswith("calibration overdue")
    refused = atmp("equipment", "use", "BSC-09", "--purpose", "B-1", "--as", "olga")
    assert refused.exit_code == 2 and "calibration overdue: BSC-09 has never been calibrated" in refused.stderr
    doc(atmp("equipment", "calibrate", "BSC-09", "--passed", "--as", "olga", "--json"))
    doc(atmp("equipment", "clean", "BSC-09", "--note", "IPA", "--as", "olga", "--json"))
    assert doc(atmp("equipment", "usable", "BSC-09", "--class", "bsc", "--as", "olga", "--json"))["usable"] is True
    wrong = atmp("equipment", "usable", "BSC-09", "--class", "incubator", "--as", "olga")
    assert wrong.exit_code == 1 and "wrong class" in wrong.stdout
    used = doc(
        atmp("equipment", "use", "BSC-09", "--purpose", "B-1 step 2", "--class", "bsc", "--as", "olga", "--json")
    )
    assert used["kind"] == "use" and used["by"] == "olga"
    kinds = [e["kind"] for e in doc(atmp("equipment", "logbook", "BSC-09", "--as", "olga", "--json"))]
    assert sorted(kinds) == sorted(["qualification"] * 3 + ["calibration", "cleaning", "use"])
    listed = doc(atmp("equipment", "list", "--as", "olga", "--json"))
    assert [i["code"] for i in listed["items"]] == ["BSC-09"]


def test_a_failed_calibration_prints_the_deviation(bsc, operator):
    result = doc(atmp("equipment", "calibrate", "BSC-01", "--failed", "--note", "drift", "--as", "olga", "--json"))
    assert result["deviation"] and result["entry"]["outcome"] == "failed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["equipment", "register", "E 1", "--name", "n", "--class", "bsc", "--site", "{site}"], "code"),
        (["equipment", "register", "E1", "--name", "n", "--class", "bsc", "--site", "{site}",
          "--calibration-days", "0"], "calibration_interval_days"),
        (["equipment", "register", "E1", "--name", "n", "--class", "bsc", "--site", "NOPE"], "there is no site"),
        (["equipment", "clean", "NOPE"], "there is no equipment"),
        (["equipment", "breakdown", "NOPE", "--note", "x"], "there is no equipment"),
        (["product", "add", "P1", "--name", "n", "--atmp-class", "gene_therapy", "--vector-type", "aav",
          "--origin", "autologous", "--gmo-class", "2", "--containment-level", "1"], "containment level 2 or higher"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_rule(operator, site, args, message):
    result = atmp(*[a.format(site=site.code) for a in args], "--as", "olga")
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_a_process_version_needs_its_approved_change_to_become_effective(qa_reviewer, qa_approver, site, product):
    from atmp.quality import factories as qf
    from atmp.quality.tests.helpers_change import move

    first = doc(
        atmp("process", "add", "--product", "AAV-001", "--site", site.code, "--title", "v1", "--as", "rita", "--json")
    )
    doc(atmp("process", "effective", str(first["id"]), "--as", "alex", "--reason", "first", "--json"))
    second = doc(
        atmp("process", "add", "--product", "AAV-001", "--site", site.code, "--title", "v2", "--as", "rita", "--json")
    )
    refused = atmp("process", "effective", str(second["id"]), "--as", "alex", "--reason", "v2")
    assert refused.exit_code == 2 and "is not linked to the change control" in refused.stderr
    change = qf.make_changecontrol(actor=qa_reviewer, site=site)
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    doc(atmp("process", "link", str(second["id"]), "--change-control", change.number, "--as", "rita", "--json"))
    done = doc(atmp("process", "effective", str(second["id"]), "--as", "alex", "--reason", "per change", "--json"))
    assert done["status"] == "effective" and done["change_controls"] == [change.number]
    assert doc(atmp("process", "show", str(first["id"]), "--as", "rita", "--json"))["status"] == "superseded"
