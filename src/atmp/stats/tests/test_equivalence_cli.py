"""`atmp stats tost` end to end: the shipped examples reproduce R and SAS, bad input exits 2 naming the option.

Published figures: R equivalence::tost on MultEq's `clinic` data (as transcribed in statsmodels'
test_tost.py) and SAS/STAT PROC TTEST "Equivalence Testing with Lognormal Data" (Wellek 2003, p. 212);
see test_equivalence.py for the full citations.
"""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from statsmodels.stats import weightstats

from atmp.cli.main import main
from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import example_files, run
from atmp.stats.table import Table

ISSUE_KEYS = {"difference", "se", "df", "ci_low", "ci_high", "margin", "p_value", "equivalent", "variant"}
ADDED_KEYS = {"p_lower", "p_upper", "n_test", "n_reference"}
CLINIC = ("--group", "fact", "--test", "1", "--reference", "2")


def invoke(*args):
    return CliRunner().invoke(main, ["stats", *args], catch_exceptions=False)


def example(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(example_files()[name])
    return str(path)


def tost_json(*args):
    result = invoke("tost", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_auc_example_reproduces_sas_and_r(tmp_path):
    document = tost_json(
        example(tmp_path, "comparability-auc.csv"),
        *("--group", "product", "--value", "auc", "--test", "test", "--reference", "reference"),
        *("--pair", "subject", "--log", "--margin", repr(math.log(1.25))),
    )
    assert set(document) == ISSUE_KEYS | ADDED_KEYS | {"provenance"}
    assert document["variant"] == "paired"
    assert document["equivalent"] is True
    # SAS: geometric mean ratio 0.9412, 90 % limits 0.8634 and 1.0260, p = 0.0031.
    assert math.exp(document["difference"]) == pytest.approx(0.9412, abs=5e-5)
    assert (math.exp(document["ci_low"]), math.exp(document["ci_high"])) == pytest.approx((0.8634, 1.0260), abs=5e-5)
    # R (statsmodels' tost_s_paired, reference − test): 0.06060076667771316, p 0.003059338540563293.
    assert document["difference"] == pytest.approx(-0.06060076667771316, rel=1e-12)
    assert document["p_value"] == pytest.approx(0.003059338540563293, rel=1e-10)
    assert document["p_value"] == max(document["p_lower"], document["p_upper"])
    assert document["df"] == 11 and document["n_test"] == document["n_reference"] == 12
    assert document["provenance"]["variant"] == "paired, natural logarithms"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # tost(clinic$var1[1:15], clinic$var1[16:30], eps = 0.6, var.equal = TRUE)
        ((), ("pooled", 28, -0.2659960620757337, 0.595329395409067, 0.04827315100761467, True)),
        # tost(clinic$var1[1:15], clinic$var1[16:30], eps = 0.6)
        (("--welch",), ("welch", 26.7484787582315, -0.2666862980722534, 0.596019631405587, 0.04853083976236974, True)),
        # tost(-clinic$var1[16:30] + clinic$var1[1:15], eps = 0.6)
        (("--pair", "pair"), ("paired", 14, -0.0744336620516462, 0.4037669953849797, 0.003166881489265175, True)),
    ],
)
def test_the_clinic_example_reproduces_r_for_each_variant(tmp_path, options, expected):
    variant, df, ci_low, ci_high, p_value, equivalent = expected
    document = tost_json(
        example(tmp_path, "comparability-clinic.csv"), *CLINIC, "--value", "var1", "--margin", "0.6", *options
    )
    assert document["variant"] == variant
    assert document["df"] == pytest.approx(df, rel=1e-12)
    assert (document["ci_low"], document["ci_high"]) == pytest.approx((ci_low, ci_high), rel=1e-12)
    assert document["p_value"] == pytest.approx(p_value, rel=1e-10)
    assert document["equivalent"] is equivalent
    assert document["difference"] == pytest.approx(0.1646666666666667, rel=1e-12)


def test_the_margin_can_be_given_in_reference_sds(tmp_path):
    path = example(tmp_path, "comparability-clinic.csv")
    document = tost_json(path, *CLINIC, "--value", "var2", "--margin-sigma", "1.5")
    reference = [3.76, 3.66, 3.65, 3.60, 3.48, 2.87, 3.24, 3.92, 3.99, 4.21, 4.21, 3.31, 3.61, 2.97, 2.73]
    assert document["margin"] == pytest.approx(1.5 * np.std(reference, ddof=1), rel=1e-14)
    logged = tost_json(path, *CLINIC, "--value", "var2", "--margin-sigma", "1.5", "--log")
    assert logged["margin"] == pytest.approx(1.5 * np.std(np.log(reference), ddof=1), rel=1e-14)


def test_swapping_test_and_reference_mirrors_the_document(tmp_path):
    path = example(tmp_path, "comparability-clinic.csv")
    forward = tost_json(path, *CLINIC, "--value", "var3", "--margin", "0.5")
    backward = tost_json(
        path, "--group", "fact", "--test", "2", "--reference", "1", "--value", "var3", "--margin", "0.5"
    )
    assert backward["difference"] == -forward["difference"]
    assert (backward["ci_low"], backward["ci_high"]) == (-forward["ci_high"], -forward["ci_low"])
    assert (backward["p_lower"], backward["p_upper"]) == pytest.approx((forward["p_upper"], forward["p_lower"]))


def test_it_draws_the_interval_against_the_margins(tmp_path):
    plot = tmp_path / "tost.svg"
    result = invoke(
        "tost",
        example(tmp_path, "comparability-clinic.csv"),
        *CLINIC,
        "--value",
        "var1",
        "--margin",
        "0.6",
        "--plot",
        str(plot),
    )
    assert result.exit_code == 0, result.output
    svg = plot.read_text()
    assert svg.lstrip().startswith("<?xml") and "TOST (pooled)" in svg and "equivalent" in svg
    assert "equivalent: yes" in result.stdout


def rows(*lines):
    return "\n".join(("g,v,k", *lines)) + "\n"


@pytest.mark.parametrize(
    ("csv", "options", "message"),
    [
        (
            rows("A,1,x", "B,2,y"),
            ("--test", "C", "--reference", "B", "--margin", "1"),
            "--test: no group 'C' in column 'g' (its groups: 'A', 'B')",
        ),
        (
            rows("A,1,x", "B,2,y"),
            ("--test", "A", "--reference", "A", "--margin", "1"),
            "--reference: is the test group 'A' too",
        ),
        (
            rows("A,1,x", "B,2,y"),
            ("--test", "A", "--reference", "B", "--group", "G", "--margin", "1"),
            "--group: no column 'G' in the file",
        ),
        (rows("A,1,x", "A,2,y", "B,2,x", "B,3,y"), ("--test", "A", "--reference", "B"), "--margin: is required"),
        (
            rows("A,1,x", "A,2,y", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1", "--margin-sigma", "1"),
            "--margin-sigma: give either --margin or --margin-sigma, not both",
        ),
        (
            rows("A,1,x", "A,2,y", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "0"),
            "--margin: must be above 0",
        ),
        (
            rows("A,1,x", "A,2,y", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1", "--alpha", "0.5"),
            "--alpha: must be above 0 and below 0.5",
        ),
        (
            rows("A,1,x", "A,2,y", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1", "--welch", "--pair", "k"),
            "--welch: --welch compares independent groups and --pair makes the comparison paired",
        ),
        (
            rows("A,1,x", "A,0,y", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1", "--log"),
            "--value: column 'v', line 3: 0 is not above 0; --log analyses natural logarithms",
        ),
        (
            rows("A,1,x", "A,,y", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1"),
            "--value: column 'v', line 3: the value is missing",
        ),
        (
            rows("A,1,x", "A,2,x", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1", "--pair", "k"),
            "--pair: test group 'A' has pair key 'x' (lines 2, 3) more than once",
        ),
        (
            rows("A,1,x", "A,2,y", "B,2,x", "B,3,z"),
            ("--test", "A", "--reference", "B", "--margin", "1", "--pair", "k"),
            "--pair: group 'A' has 'y' (line 3) without a partner; group 'B' has 'z' (line 5) without a partner",
        ),
        (
            rows("A,1,x", "B,2,x", "B,3,y"),
            ("--test", "A", "--reference", "B", "--margin", "1"),
            "--test: test group 'A' has 1 value: TOST needs at least 2 values in each group",
        ),
        (
            rows("A,1,x", "A,1,y", "B,2,x", "B,2,y"),
            ("--test", "A", "--reference", "B", "--margin", "1"),
            "--value: every test value is the same and every reference value is the same (no variation)",
        ),
        (
            rows("A,1,x", "A,2,y", "B,2,x", "B,2,y"),
            ("--test", "A", "--reference", "B", "--margin-sigma", "1.5"),
            "--margin-sigma: the reference values are all equal, so K·s_R is 0",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_option(tmp_path, csv, options, message):
    path = tmp_path / "data.csv"
    path.write_text(csv)
    arguments = ("--group", "g", "--value", "v", *options)
    if arguments.count("--group") > 1:
        arguments = arguments[2:]
    result = invoke("tost", str(path), *arguments, "--json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_ten_thousand_rows_agree_with_the_bare_statsmodels_call():
    # The data of the issue's benchmark (bench/stats.py times it; a timing is never asserted here).
    rng = np.random.default_rng(8)
    values = rng.normal(100.0, 2.0, 10_000)
    groups = np.where(np.arange(10_000) % 2 == 0, "test", "reference")
    text = "group,value\n" + "".join(f"{g},{float(v)!r}\n" for g, v in zip(groups, values, strict=True))
    table = Table.from_bytes(text.encode())
    options = {"group": "group", "value": "value", "test": "test", "reference": "reference", "margin": "1"}
    test, reference = values[groups == "test"], values[groups == "reference"]
    document = run(ANALYSES["tost"], options, table).document
    assert document["p_value"] == pytest.approx(weightstats.ttost_ind(test, reference, -1.0, 1.0)[0], rel=1e-12)


def test_with_log_only_the_two_groups_need_positive_values(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(rows("A,1,x", "A,2,y", "B,2,x", "B,3,y", "blank,0,z", "C,-1,w"))
    result = invoke("tost", str(path), "--group", "g", "--value", "v", "--test", "A", "--reference", "B", "--log",
                    "--margin", "1", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no warning from a logarithm of another group's value
    assert json.loads(result.stdout)["difference"] == pytest.approx(math.log(2) / 2 - math.log(6) / 2)


def test_a_message_lists_ten_keys_and_counts_the_rest(tmp_path):
    path = tmp_path / "data.csv"
    lines = [f"A,{i},a{i}" for i in range(30)] + [f"B,{i},b{i}" for i in range(30)]
    path.write_text(rows(*lines))
    result = invoke("tost", str(path), "--group", "g", "--value", "v", "--test", "A", "--reference", "B",
                    "--pair", "k", "--margin", "1")  # fmt: skip
    assert result.exit_code == 2
    assert "'a9' (line 11) and 20 more without a partner" in result.stderr
