"""`atmp stats shelf-life` end to end: the JSON shape, SVG plots, exit 2 naming the option, the docs example."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.stats.catalogue import example_files

KEYS = [
    "model",
    "shelf_life",
    "governing_batch",
    "shelf_life_pooled_mse",
    "limits",
    "p_slopes",
    "p_intercepts",
    "f_slopes",
    "f_intercepts",
    "batches",
    "provenance",
]
POTENCY = ("--batch", "batch", "--time", "month", "--value", "potency")
DOCS = Path(__file__).resolve().parents[4] / "docs" / "statistics" / "shelf-life.md"


def invoke(*args):
    return CliRunner().invoke(main, ["stats", "shelf-life", *args], catch_exceptions=False)


def write_example(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(example_files()[name])
    return path


def write(tmp_path, text):
    path = tmp_path / "study.csv"
    path.write_text(text)
    return path


def test_it_prints_the_issues_document_for_separate_lines(tmp_path):
    # LeBlond et al. 2011 Table VIII; JMP 12.0.1 gives 15.844877978, LeBlond's pooled error 15.6.
    result = invoke(
        str(write_example(tmp_path, "shelf-life-leblond-2011-dids.csv")), *POTENCY, "--lower", "95", "--json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == KEYS
    assert document["model"] == "dids"
    assert document["shelf_life"] == pytest.approx(15.844877978, rel=1e-9)
    assert document["governing_batch"] == "b8"
    assert document["shelf_life_pooled_mse"] == pytest.approx(15.6061, abs=5e-5)
    assert document["limits"] == {"lower": document["shelf_life"], "upper": None}
    assert document["f_slopes"] == pytest.approx(1.95541944320, rel=1e-10)
    assert document["f_intercepts"] == pytest.approx(72.1242158003, rel=1e-10)
    assert 0 < document["p_slopes"] < 0.25 and 0 < document["p_intercepts"] < 0.25
    assert list(document["batches"]) == ["b4", "b5", "b8"]
    assert document["batches"]["b8"] == {
        "intercept": pytest.approx(101.259375, rel=1e-12),
        "slope": pytest.approx(-0.330208333333, rel=1e-10),
        "n": 5,
        "shelf_life": document["shelf_life"],
    }
    assert document["provenance"]["variant"] == "dids; one-sided 95 % confidence bound of the mean"


def test_an_upper_limit_and_two_limits_from_the_command_line(tmp_path):
    related = invoke(
        str(write_example(tmp_path, "shelf-life-leblond-2011-related.csv")),
        *("--batch", "batch", "--time", "month", "--value", "related", "--upper", "0.3", "--json"),
    )
    assert json.loads(related.stdout)["limits"]["upper"] == pytest.approx(15.8448655130, rel=1e-5)
    moisture = invoke(
        str(write_example(tmp_path, "shelf-life-leblond-2011-moisture.csv")),
        *("--batch", "batch", "--time", "month", "--value", "moisture", "--lower", "1.5", "--upper", "3.5", "--json"),
    )
    document = json.loads(moisture.stdout)
    assert document["model"] == "cics" and document["governing_batch"] is None
    assert document["shelf_life"] == pytest.approx(45.3460440833, rel=1e-5)  # LeBlond 2011 Table XIV: 45.35
    assert document["limits"]["lower"] == pytest.approx(50.7665191694, rel=1e-5)
    assert "two-sided" in document["provenance"]["variant"]


def test_a_single_batch_has_no_poolability_tests(tmp_path):
    path = write(tmp_path, "lot,t,assay\nL1,0,100.1\nL1,3,99.6\nL1,6,99.3\nL1,9,98.5\nL1,12,98.2\n")
    document = json.loads(
        invoke(str(path), "--batch", "lot", "--time", "t", "--value", "assay", "--lower", "95", "--json").stdout
    )
    assert document["model"] == "single" and document["governing_batch"] == "L1"
    assert [document[k] for k in ("p_slopes", "p_intercepts", "f_slopes", "f_intercepts")] == [None] * 4
    assert document["shelf_life_pooled_mse"] is None


def test_a_limit_never_reached_gives_inf_not_a_number(tmp_path):
    path = write(tmp_path, "lot,t,assay\nL1,0,100.1\nL1,3,101.4\nL1,6,103.2\nL1,9,104.4\nL1,12,106.1\n")
    result = invoke(str(path), "--batch", "lot", "--time", "t", "--value", "assay", "--lower", "95", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["shelf_life"] == "inf"
    assert document["limits"] == {"lower": None, "upper": None}
    assert document["batches"]["L1"]["shelf_life"] is None
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout


def test_it_draws_the_plot_as_svg(tmp_path):
    plot = tmp_path / "shelf.svg"
    result = invoke(
        str(write_example(tmp_path, "shelf-life-leblond-2011-dics.csv")), *POTENCY, "--lower", "95", "--plot", str(plot)
    )
    assert result.exit_code == 0, result.output
    svg = plot.read_text()
    assert svg.lstrip().startswith("<?xml")
    for text in ("Shelf life (ICH Q1E) 23.4", "governed by b5", "lower limit 95", "b3", "b4", "b5", "month"):
        assert text in svg, text
    assert "shelf_life: 23.3973" in result.stdout


def test_it_draws_a_plot_when_no_limit_is_reached(tmp_path):
    path = write(tmp_path, "lot,t,assay\nL1,0,100.1\nL1,3,101.4\nL1,6,103.2\nL1,9,104.4\nL1,12,106.1\n")
    plot = tmp_path / "none.svg"
    result = invoke(
        str(path), "--batch", "lot", "--time", "t", "--value", "assay", "--lower", "95", "--plot", str(plot)
    )
    assert result.exit_code == 0, result.output
    assert "no limit reached" in plot.read_text()


@pytest.mark.parametrize(
    ("csv", "options", "message"),
    [
        ("b,t,v\nA,0,1\n", ("--lower", "0"), "--batch: no column 'batch'"),
        (
            "batch,month,potency\nA,0,100\nA,3,\nA,6,98\n",
            ("--lower", "95"),
            "--value: column 'potency', line 3: the value is missing",
        ),
        ("batch,month,potency\nA,0,100\nA,3,99,5\n", ("--lower", "95"), "FILE: line 3 has 4 cells"),
        (
            "batch,month,potency\nA,0,100\nA,three,99\nA,6,98\n",
            ("--lower", "95"),
            "--time: column 'month', line 3: 'three' is not a number",
        ),
        ("batch,month,potency\nA,0,100\nA,3,99\nA,6,98.1\n", (), "--lower: shelf life needs an acceptance criterion"),
        (
            "batch,month,potency\nA,0,100\nA,3,99\nA,6,98.1\n",
            ("--lower", "99", "--upper", "90"),
            "--upper: must be above the lower limit",
        ),
        (
            "batch,month,potency\nA,0,100\nA,3,99\nA,6,98.1\n",
            ("--lower", "95", "--alpha", "0.5"),
            "--alpha: must be above 0 and below 0.5",
        ),
        (
            "batch,month,potency\nA,0,100\nA,3,99\nA,6,98.1\n",
            ("--lower", "95", "--pool-alpha", "1"),
            "--pool-alpha: must be above 0 and below 1",
        ),
        (
            "batch,month,potency\nA,0,100\nA,3,99\nA,3,98.1\n",
            ("--lower", "95"),
            "--time: shelf life needs at least 3 time points per batch",
        ),
        ("batch,month,potency\nA,5,100\nA,5,99\nA,5,98.1\n", ("--lower", "95"), "batch 'A' has 1 time point (5)"),
        (
            "batch,month,potency\nA,0,100\nA,3,100\nA,6,100\n",
            ("--lower", "95"),
            "--value: batch 'A''s values lie exactly on a straight line",
        ),
        (
            "batch,month,potency\nA,0,100\nA,3,99\nA,6,98.1\n",
            ("--lower", "99.9"),
            "--lower: batch 'A': the one-sided 95 % lower confidence bound at time 0",
        ),
        ("batch,month,potency\nA,0,100\nA,3,99\nA,6,98.1\n", ("--lower", "95", "--lot", "x"), "No such option '--lot'"),
    ],
)
def test_bad_input_exits_2_naming_the_option(tmp_path, csv, options, message):
    result = invoke(str(write(tmp_path, csv)), *POTENCY, *options, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not DOCS.exists(), reason="the docs are not beside an installed package")
def test_the_docs_worked_example_is_what_the_command_prints(tmp_path):
    text = DOCS.read_text()
    command = re.search(r"```console\n\$ (atmp stats shelf-life [^\n]+)\n", text)
    printed = re.search(r"```json\n(.+?)\n```", text, re.DOTALL)
    assert command and printed
    words = command.group(1).split()[3:]
    words[0] = str(write_example(tmp_path, Path(words[0]).name))
    document = json.loads(invoke(*words).stdout)
    documented = json.loads(printed.group(1))
    for block in (document, documented):
        block["provenance"].pop("versions")
    assert same(documented, document)


def same(a, b):
    """Return whether two JSON values are equal, numbers to 12 significant figures (the last bits may vary by BLAS)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-12)
    return a == b
