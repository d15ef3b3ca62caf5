"""`atmp stats potency` and `potency-combine` end to end: JSON shape, published figures, exit 2 naming the field."""

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.stats.catalogue import example_files

COLUMNS = ("--preparation", "preparation", "--dose", "dose", "--response", "response", "--standard", "S")


def invoke(*args, analysis="potency"):
    return CliRunner().invoke(main, ["stats", analysis, *args], catch_exceptions=False)


def example(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(example_files()[name])
    return path


def test_the_turbidimetric_rbd_example_prints_the_published_potency(tmp_path):
    path = example(tmp_path, "pheur_5_1_3_antibiotic_turbidimetric_rbd.csv")
    result = invoke(str(path), *COLUMNS, "--block", "block", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document) == [
        "preparations",
        "residual_df",
        "residual_ms",
        "slope",
        "anova",
        "validity",
        "valid",
        "provenance",
    ]
    t = document["preparations"]["T"]
    assert set(t) >= {"potency_ratio", "lower", "upper"}
    # In the file's dose units (dilutions); Ph. Eur. 5.1.3 prints 19228.5 (18423.4-20075.2) IU/vial
    # after the conversion 447.56 IU/ml (standard) and 500 IU/ml assumed (test): × 447.56/500 × 20000.
    scale = 447.56 / 500 * 20000
    assert round(t["potency_ratio"] * scale, 1) == 19228.5
    assert round(t["lower"] * scale, 1) == 18423.4 and round(t["upper"] * scale, 1) == 20075.2
    assert document["residual_df"] == 28 and round(document["residual_ms"], 4) == 53.9161
    assert [row["source"] for row in document["anova"]] == [
        "preparations",
        "regression",
        "non-parallelism",
        "non-linearity",
        "block",
        "residual error",
    ]
    assert document["valid"] is True


def test_a_latin_square_takes_row_and_column(tmp_path):
    path = example(tmp_path, "pheur_5_1_2_antibiotic_agar_latin_square.csv")
    document = json.loads(invoke(str(path), *COLUMNS, "--row", "row", "--column", "column", "--json").stdout)
    assert document["residual_df"] == 20
    assert [row["source"] for row in document["anova"]][-3:] == ["row", "column", "residual error"]


def test_the_four_parameter_logistic_model_reports_parallelism(tmp_path):
    path = example(tmp_path, "drc_salba_ll3.csv")
    args = ("--preparation", "preparation", "--dose", "dose", "--response", "response", "--standard", "Glyphosate")
    result = invoke(str(path), *args, "--model", "three_pl", "--slope-ratio-low", "0.8", "--slope-ratio-high", "1.25")
    assert result.exit_code == 0, result.output
    document = json.loads(invoke(str(path), *args, "--model", "three_pl", "--json").stdout)
    bentazone = document["preparations"]["Bentazone"]
    assert bentazone["lower"] < bentazone["potency_ratio"] < bentazone["upper"]
    assert document["parallelism"]["df"] == [2, 62]
    assert document["curves"]["separate"]["Bentazone"]["c"] == 0.0
    four = json.loads(invoke(str(path), *args, "--model", "four_pl", "--json").stdout)
    assert four["parallelism"]["df"] == [3, 60]


@pytest.mark.parametrize(
    ("csv", "options", "message"),
    [
        ("preparation,dose,response\nS,1,2\n", ("--dose", "dosis"), "--dose: no column 'dosis'"),
        ("preparation,dose,response\nS,1,2\nS,2,3\nT,1,2\nT,2,4\n", ("--standard", "R"), "--standard: no preparation"),
        ("preparation,dose,response\nS,1,2\nS,0,3\nT,1,2\nT,2,4\n", (), "--dose: every dose must be above 0"),
        ("preparation,dose,response\nS,1,2\nS,-1,3\nT,1,2\nT,2,4\n", (), "--dose: every dose must be above 0"),
        ("preparation,dose,response\nS,1,2\nS,1,3\nT,1,2\nT,2,4\n", (), "--dose: preparation 'S' needs at least two"),
        ("preparation,dose,response\nS,1,2\nS,2,3\nT,1,2\nT,2,4\n", ("--transform", "cube"), "--transform: must be"),
        ("preparation,dose,response\nS,1,2\nS,2,3\nT,1,0\nT,2,4\n", ("--transform", "ln"), "--response: the ln"),
        ("preparation,dose,response,r\nS,1,2,1\nS,2,3,1\nT,1,2,2\nT,2,4,2\n", ("--row", "r"), "--column: a Latin"),
    ],
)
def test_bad_input_exits_2_naming_the_field(tmp_path, csv, options, message):
    path = tmp_path / "assay.csv"
    path.write_text(csv)
    base = dict(zip(COLUMNS[::2], COLUMNS[1::2], strict=True))
    base.update(dict(zip(options[::2], options[1::2], strict=True)))
    result = invoke(str(path), *[x for kv in base.items() for x in kv], "--json")
    assert result.exit_code == 2
    assert message in result.output, result.output


def test_potency_combine_weights_runs_and_tests_homogeneity(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("run,potency,lower,upper\nA,1.00,0.90,1.11\nB,1.05,0.95,1.16\nC,0.98,0.85,1.13\n")
    result = invoke(str(path), "--json", analysis="potency-combine")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["method"] == "weighted" and document["homogeneity"]["df"] == 2
    assert 0.98 < document["potency"] < 1.05 and document["lower"] < document["potency"] < document["upper"]
    assert list(document["weights"]) == ["A", "B", "C"]
    bad = tmp_path / "bad.csv"
    bad.write_text("run,potency,lower,upper\nA,1.00,1.10,1.11\nB,1.05,0.95,1.16\n")
    refused = invoke(str(bad), "--json", analysis="potency-combine")
    assert refused.exit_code == 2 and "--lower: every run needs lower < potency < upper" in refused.output


def test_flat_data_give_no_limits_and_constant_data_are_refused(tmp_path):
    path = tmp_path / "flat.csv"
    cells = [5.1, 4.8, 5.3, 4.9, 5.0, 5.2, 4.7, 5.1, 5.0, 4.9, 5.2, 4.8]
    path.write_text("preparation,dose,response\n" + "".join(
        f"{p},{d},{cells[k * 6 + j]}\n" for k, p in enumerate("ST") for j, d in enumerate((1, 2, 4, 1, 2, 4))
    ))  # fmt: skip
    lines = json.loads(invoke(str(path), *COLUMNS, "--json").stdout)
    assert lines["preparations"]["T"]["lower"] is None and lines["valid"] is False
    constant = tmp_path / "constant.csv"
    constant.write_text("preparation,dose,response\n" + "".join(f"{p},{d},5\n" for p in "ST" for d in (1, 2, 4, 8) * 2))
    for model in ("four_pl", "parallel_line"):
        refused = invoke(str(constant), *COLUMNS, "--model", model, "--json")
        assert refused.exit_code == 2 and "--response: " in refused.output, refused.output
