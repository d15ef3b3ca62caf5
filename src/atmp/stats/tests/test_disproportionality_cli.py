"""`atmp stats disproportionality` end to end: the issue's JSON keys, words for inf and undefined, exit 2."""

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main

KEYS = ["expected", "prr", "prr_ci", "ror", "ror_ci", "chi2", "chi2_yates", "ic", "ic025", "ic975", "evans_signal"]


def invoke(*args):
    return CliRunner().invoke(main, ["stats", "disproportionality", *args], catch_exceptions=False)


def test_it_prints_every_measure_as_json():
    result = invoke("--a", "27", "--b", "95", "--c", "44", "--d", "443", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document)[: len(KEYS)] == KEYS
    # Sahai & Khurshid 1996, Example 3.1 (see test_disproportionality.py).
    assert document["prr"] == pytest.approx(2.4495156482861398, rel=1e-12)
    assert document["prr_ci"] == pytest.approx([1.5836990926700116, 3.7886786315466354], rel=1e-12)
    assert document["evans_signal"] is True
    assert document["provenance"]["n"] == 609


def test_zero_cells_print_inf_and_undefined_words():
    document = json.loads(invoke("--a", "3", "--b", "0", "--c", "0", "--d", "10", "--json").stdout)
    assert document["prr"] == "inf" and document["ror"] == "inf"
    assert document["prr_ci"] == ["undefined", "undefined"]
    empty = json.loads(invoke("--a", "0", "--b", "0", "--c", "0", "--d", "0", "--json").stdout)
    assert empty["expected"] == "undefined" and empty["chi2_yates"] == "undefined" and empty["ic025"] == "undefined"
    assert empty["evans_signal"] is False
    assert "NaN" not in json.dumps(empty)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--a", "3", "--b", "-1", "--c", "4", "--d", "5"), "--b: must be at least 0, not -1"),
        (("--a", "3", "--b", "x", "--c", "4", "--d", "5"), "--b: must be a whole number, not 'x'"),
        (("--a", "3.5", "--b", "1", "--c", "4", "--d", "5"), "--a: must be a whole number, not '3.5'"),
        (("--a", "3", "--b", "1", "--c", "4"), "--d: is required: reports naming neither"),
    ],
)
def test_bad_counts_exit_2_naming_the_option(args, message):
    result = invoke(*args, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
