"""`atmp stats ebgm` end to end: Qn, EBGM, EB05 and EB95 of one pair under a given prior; exit 2 on a bad prior."""

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main

VIGNETTE_PRIOR = "3.25379356,0.39988854,2.02612692,1.90807970,0.06534557"


def invoke(*args):
    return CliRunner().invoke(main, ["stats", "ebgm", *args], catch_exceptions=False)


def test_it_prints_the_posterior_of_one_pair():
    # openEBGM vignette04: REUMOFAN PLUS / WEIGHT INCREASED, n = 16, E = 0.40643623: EBGM 23.26,
    # QUANT_05 15.68, QUANT_95 33.48 (quantiles to openEBGM's bisection tolerance, see test_gps.py).
    result = invoke("--n", "16", "--e", "0.4064362336", "--prior", VIGNETTE_PRIOR, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert list(document)[:4] == ["qn", "ebgm", "eb05", "eb95"]
    assert document["ebgm"] == pytest.approx(23.26, abs=5e-3)
    assert document["eb05"] == pytest.approx(15.68, abs=1e-2)
    assert document["eb95"] == pytest.approx(33.48, abs=1e-2)
    assert 0.999 < document["qn"] <= 1


def test_a_pair_never_reported_is_shrunk_below_one():
    document = json.loads(invoke("--n", "0", "--e", "2.5", "--prior", VIGNETTE_PRIOR, "--json").stdout)
    assert document["eb05"] < document["ebgm"] < 1 < document["eb95"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--n", "1", "--e", "1", "--prior", "1,1,1,1"), "--prior: needs five numbers a1,b1,a2,b2,p"),
        (("--n", "1", "--e", "1", "--prior", "1,1,1,1,1.5"), "--prior: p, the weight of the first gamma"),
        (("--n", "1", "--e", "1", "--prior", "1,0,1,1,0.5"), "--prior: b1 must be a number above 0"),
        (("--n", "1", "--e", "1", "--prior", "1,x,1,1,0.5"), "--prior: must be a number, not 'x'"),
        (("--n", "1", "--e", "0", "--prior", VIGNETTE_PRIOR), "--e: must be above 0, not 0"),
        (("--n", "-2", "--e", "1", "--prior", VIGNETTE_PRIOR), "--n: must be at least 0, not -2"),
    ],
)
def test_bad_input_exits_2_naming_the_option(args, message):
    result = invoke(*args, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr
