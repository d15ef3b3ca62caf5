"""`atmp stats signals` end to end on the shipped CAERS example: the issue's JSON shape, refusals with exit 2."""

import json
import math

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.stats.catalogue import example_files

PAIR_KEYS = ["product", "event", "n", "e", "rr", "prr", "ror", "ic", "ic025", "ebgm", "eb05", "eb95"]


def invoke(*args):
    return CliRunner().invoke(main, ["stats", "signals", *args], catch_exceptions=False)


def write_example(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(example_files()[name])
    return path


@pytest.fixture(scope="module")
def caers(tmp_path_factory):
    path = write_example(tmp_path_factory.mktemp("caers"), "signals-caers.csv")
    result = invoke(str(path), "--product", "product", "--event", "event", "--report", "report", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_it_prints_reports_prior_and_pairs(caers):
    assert list(caers) == ["reports", "prior", "pairs", "provenance"]
    assert caers["reports"] == 3356
    assert list(caers["prior"]) == ["a1", "b1", "a2", "b2", "p", "converged"]
    assert caers["prior"]["converged"] is True
    assert caers["prior"]["a1"] == pytest.approx(20.95776, rel=1e-5)  # the maximum; see test_gps.py
    assert len(caers["pairs"]) == 17189
    assert all(list(p) == PAIR_KEYS for p in caers["pairs"][:50])
    assert "−ln L 4162.18" in caers["provenance"]["variant"]


def test_pairs_are_listed_by_eb05_descending(caers):
    eb05 = [p["eb05"] for p in caers["pairs"]]
    assert eb05 == sorted(eb05, reverse=True)
    top = caers["pairs"][0]
    assert (top["product"], top["event"], top["n"]) == ("REUMOFAN PLUS", "WEIGHT INCREASED", 16)
    assert top["eb05"] < top["ebgm"] < top["eb95"]


def test_no_value_is_nan_and_infinite_ratios_are_words(caers):
    for pair in caers["pairs"]:
        for key in ("prr", "ror"):
            assert isinstance(pair[key], float) or pair[key] in ("inf", "undefined")
        assert all(math.isfinite(pair[k]) for k in ("e", "rr", "ic", "ic025", "ebgm", "eb05", "eb95"))
    assert any(p["ror"] == "inf" for p in caers["pairs"])  # a product reported with one event only


def test_min_n_lists_only_the_frequent_pairs_but_fits_on_all(tmp_path, caers):
    path = write_example(tmp_path, "signals-caers.csv")
    args = ("--product", "product", "--event", "event", "--report", "report", "--min-n", "10", "--json")
    document = json.loads(invoke(str(path), *args).stdout)
    assert document["prior"] == caers["prior"]
    assert document["pairs"] and all(p["n"] >= 10 for p in document["pairs"])
    assert len(document["pairs"]) == sum(1 for p in caers["pairs"] if p["n"] >= 10)


def test_too_few_pairs_give_a_null_prior_and_a_message(tmp_path):
    path = write_example(tmp_path, "signals-openebgm-hand.csv")
    result = invoke(str(path), "--product", "product", "--event", "event", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)  # stdout holds only the JSON document
    assert document["prior"] is None
    assert "at least 50" in document["message"]
    assert len(document["pairs"]) == 7
    assert all(p["ebgm"] is None and p["eb05"] is None and p["eb95"] is None for p in document["pairs"])
    assert all(p["prr"] is not None for p in document["pairs"])


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("drug,reaction\nA,X\n", ("--product", "product", "--event", "reaction"), "--product: no column 'product'"),
        ("drug,reaction\nA,X\n,Y\n", ("--product", "drug", "--event", "reaction"), "--product: column 'drug', line 3"),
        ("drug,reaction\nA,X\n", ("--product", "drug"), "--event: is required"),
        ("drug,reaction\n", ("--product", "drug", "--event", "reaction"), "FILE: has a header row but no data rows"),
        (
            "drug,reaction\nA,X\n",
            ("--product", "drug", "--event", "reaction", "--min-n", "0"),
            "--min-n: must be at least 1, not 0",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_problem(tmp_path, content, args, message):
    path = tmp_path / "reports.csv"
    path.write_text(content)
    result = invoke(str(path), *args, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
