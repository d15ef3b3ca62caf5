"""`atmp stats trend` end to end: the published SAS/QC examples, --values, refusals with exit 2, the plot."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.stats.catalogue import example_files

DOCS = Path(__file__).resolve().parents[4] / "docs" / "statistics" / "control-charts.md"


def invoke(*args):
    return CliRunner().invoke(main, ["stats", "trend", *args], catch_exceptions=False)


def write_example(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(example_files()[name])
    return path


def write(tmp_path, text, name="series.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_it_prints_the_issue_keys_for_the_sas_gap_width_example(tmp_path):
    # SAS/QC SHEWHART "Applying Tests for Special Causes": Test 5 positive at sample 14 (index 13) only.
    # Centre = grand mean 259.6667; σ_x̄ = R̄/(d2·√5) = 30/(2.326·√5) = 5.8596.
    path = write_example(tmp_path, "trend-gap-width.csv")
    result = invoke(str(path), "--value", "mean", "--centre", "259.6667", "--sigma", "5.8596", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {"centre", "sigma", "violations"} <= set(document)
    assert document["centre"] == 259.6667 and document["sigma"] == 5.8596
    assert document["violations"] == [{"rule": 5, "index": 13}]
    assert document["centre_estimated"] is False and document["sigma_estimated"] is False
    assert document["limits"] == {"lcl": pytest.approx(242.0879), "ucl": pytest.approx(277.2455)}
    assert document["provenance"]["parameters"]["value"] == "mean"


def test_it_estimates_the_centre_and_sigma_as_sas_does_for_the_jets_example(tmp_path):
    # SAS/QC IRCHART "Saving Control Limits": _MEAN_ 80.39, _STDDEV_ 4.72032, _LCLI_ 66.2290, _UCLI_ 94.5510.
    path = write_example(tmp_path, "trend-jets.csv")
    result = invoke(str(path), "--value", "diameter", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["centre"] == pytest.approx(80.39, abs=5e-11)
    assert document["sigma"] == pytest.approx(4.72032, abs=5e-6)
    assert document["limits"]["lcl"] == pytest.approx(66.2290, abs=5e-5)
    assert document["limits"]["ucl"] == pytest.approx(94.5510, abs=5e-5)
    assert document["violations"] == [] and document["n"] == 20
    assert document["centre_estimated"] is True and document["sigma_estimated"] is True
    assert "average moving range" in document["provenance"]["variant"]


def test_it_takes_the_values_as_a_list(tmp_path):
    result = invoke("--values", "0,2.5,0,2.5,3.5", "--centre", "0", "--sigma", "1", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["violations"] == [{"rule": 5, "index": 3}, {"rule": 1, "index": 4}, {"rule": 5, "index": 4}]
    assert document["rules_needing_more_points"] == [2, 3, 4, 7, 8]
    assert document["provenance"]["input_sha256"] is None


def test_a_given_centre_alone_leaves_sigma_to_be_estimated():
    result = invoke("--values", "1,3,2,5", "--centre", "0", "--json")
    document = json.loads(result.stdout)
    assert document["centre"] == 0.0 and document["centre_estimated"] is False
    assert document["sigma"] == pytest.approx(2 / 1.1283791670955126) and document["sigma_estimated"] is True


def test_it_prints_readable_text_without_json(tmp_path):
    result = invoke("--values", "1,3,2,5")
    assert result.exit_code == 0
    assert "centre: 2.75" in result.stdout and "violations: []" in result.stdout


def test_it_draws_the_individuals_chart_as_svg(tmp_path):
    plot = tmp_path / "chart.svg"
    path = write_example(tmp_path, "trend-gap-width.csv")
    result = invoke(str(path), "--value", "mean", "--centre", "259.6667", "--sigma", "5.8596", "--plot", str(plot))
    assert result.exit_code == 0, result.output
    svg = plot.read_text()
    assert svg.lstrip().startswith("<?xml") and "Individuals chart" in svg
    assert "rule 5: two of three points in a row beyond 2σ on the same side" in svg
    assert "UCL 277.2" in svg


def test_it_draws_a_long_series_with_many_violations(tmp_path):
    values = ",".join(str(v) for v in [1.5, -1.5] * 150)  # 300 points, rule 8 from the eighth on
    plot = tmp_path / "long.svg"
    result = invoke("--values", values, "--centre", "0", "--sigma", "1", "--plot", str(plot), "--json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["violations"]) > 80
    assert "rule 4: fourteen points in a row alternating up and down" in plot.read_text()


@pytest.mark.parametrize(
    ("args", "csv", "message"),
    [
        (["--values", "1,2,3"], "x\n1\n2\n", "--values: was given with a FILE"),
        ([], None, "--values: no values were given; trend needs one series in time order"),
        (["--value", "x"], None, "--value: names a column, but no FILE was given"),
        ([], "x,y\n1,2\n", "--value: is required with a FILE: name the column of values (its columns: 'x', 'y')"),
        (["--value", "z"], "x\n1\n2\n", "--value: no column 'z' in the file (its columns: 'x')"),
        (["--value", "x"], "x,y\n1,a\n,b\n", "--value: column 'x', line 3: the value is missing"),
        (["--value", "x"], "x\n1\nabc\n", "--value: column 'x', line 3: 'abc' is not a number"),
        (["--value", "x"], "x\n1\nnan\n", "--value: column 'x', line 3: 'nan' is not a finite number"),
        (["--value", "x"], "x\n4.2\n4.2\n4.2\n", "--value: all 3 values are equal (every moving range is 0)"),
        (["--value", "x"], "x\n4.2\n", "--value: has 1 value; estimating σ from the average moving range needs"),
        (["--values", "1,2", "--sigma", "0"], None, "--sigma: must be above 0, not 0"),
        (["--values", "1,2", "--sigma", "-1"], None, "--sigma: must be above 0, not -1"),
        (["--values", "1,nan,2"], None, "--values: must be a finite number, not 'nan'"),
        (["--values", "1,x,2"], None, "--values: must be a number, not 'x'"),
        (["--values", "1,,2"], None, "--values: item 2 of 3 is empty: every item must be a number"),
        (["--values", "1,2", "--centre", "inf"], None, "--centre: must be a finite number, not 'inf'"),
    ],
)
def test_bad_input_exits_2_naming_the_option_and_what_trend_needs(tmp_path, args, csv, message):
    file_args = [str(write(tmp_path, csv))] if csv is not None else []
    result = invoke(*file_args, *args, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_shipped_examples_are_written_by_atmp_stats_examples(tmp_path):
    result = CliRunner().invoke(main, ["stats", "examples", "--out", str(tmp_path)])
    assert result.exit_code == 0
    assert {"trend-gap-width.csv", "trend-jets.csv"} <= {p.name for p in tmp_path.iterdir()}


@pytest.mark.skipif(not DOCS.exists(), reason="the docs are not beside an installed package")
def test_the_docs_worked_examples_are_what_the_command_prints(tmp_path):
    examples = re.findall(
        r"```console\n\$ atmp stats trend ([^\n]+)\n```\n\n```json\n(.+?)\n```", DOCS.read_text(), re.DOTALL
    )
    assert len(examples) == 2
    for command, printed in examples:
        words = command.split()
        words[0] = str(write_example(tmp_path, Path(words[0]).name))
        document = json.loads(invoke(*words).stdout)
        documented = json.loads(printed)
        for block in (document, documented):
            block["provenance"].pop("versions")
        assert documented == document
