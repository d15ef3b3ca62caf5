"""The tier-2 quality range x̄_R ± K·s_R (REGULATORY.md; EMA/CHMP/138502/2017) and `atmp stats quality-range`.

The shipped example is MultEq's `clinic` data (Läuter & Kropf 1998), var1, treatment 2 as reference:
its mean 3.333333 is R's published t.test estimate (statsmodels' ttest_clinic_indep_1_g.estimate
= (3.498, 3.333333333333333)); the range is then plain arithmetic, checked by hand below.
"""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.stats import equivalence
from atmp.stats.catalogue import example_files
from atmp.stats.errors import StatsInputError

CLINIC_VAR1_TEST = [2.84, 2.51, 2.41, 2.95, 3.14, 3.79, 4.14, 3.85, 3.02, 3.45, 5.37, 3.81, 4.19, 3.16, 3.84]
CLINIC_VAR1_REFERENCE = [2.60, 2.82, 2.18, 3.46, 4.01, 3.04, 3.47, 4.06, 2.91, 3.59, 4.51, 3.16, 3.86, 3.31, 3.02]


def invoke(*args):
    return CliRunner().invoke(main, ["stats", *args], catch_exceptions=False)


def test_it_computes_the_range_from_the_reference_mean_and_sample_sd():
    result = equivalence.quality_range(CLINIC_VAR1_TEST, CLINIC_VAR1_REFERENCE)
    assert result.reference_mean == pytest.approx(3.333333333333333, rel=1e-15)  # R: t.test estimate
    # s_R by hand: Σ(x − x̄)² = 5.273933…, / 14, square root.
    squares = sum((x - 50.0 / 15.0) ** 2 for x in CLINIC_VAR1_REFERENCE)
    assert result.reference_sd == pytest.approx(math.sqrt(squares / 14.0), rel=1e-14)
    assert result.reference_sd == pytest.approx(0.6137667, abs=5e-8)
    assert (result.low, result.high) == pytest.approx((1.4920333, 5.1746333), abs=5e-8)
    # 5.37 (patient 11) is above 5.1746: 14 of 15 inside, 93.3 % ≥ 90 %.
    assert (result.inside, result.total, result.outside) == (14, 15, (10,))
    assert result.share == pytest.approx(14 / 15)
    assert result.passes


def test_the_bounds_count_as_inside():
    # Reference 0, 2, 4: mean 2 and s_R = 2 exactly, so with K = 1 the range is [0, 4] with no rounding.
    result = equivalence.quality_range([0.0, 4.0, 4.000001, -1e-9], [0.0, 2.0, 4.0], k=1.0)
    assert (result.low, result.high) == (0.0, 4.0)
    assert result.inside == 2 and result.outside == (2, 3)


def test_it_passes_at_exactly_the_minimum_share():
    # 9 of 10 inside is 90 %: passes at 0.9 ("at least 90 %"), fails at 0.91.
    test = [2.0] * 9 + [100.0]
    assert equivalence.quality_range(test, [0.0, 2.0, 4.0], min_share=0.9).passes
    assert not equivalence.quality_range(test, [0.0, 2.0, 4.0], min_share=0.91).passes


@pytest.mark.parametrize(
    ("test", "reference", "options", "field", "message"),
    [
        ([1.0], [2.0], {}, "reference", "has 1 value: the quality range needs at least 2 reference values"),
        ([1.0], [2.0, 2.0, 2.0], {}, "reference", "are all equal \\(s_R = 0\\)"),
        ([], [1.0, 2.0], {}, "test", "has no values"),
        ([1.0], [1.0, 2.0], {"k": 0.0}, "k", "must be a number above 0"),
        ([1.0], [1.0, 2.0], {"min_share": 1.5}, "min_share", "above 0 and at most 1"),
        ([math.nan], [1.0, 2.0], {}, "value", "not a finite number"),
    ],
)
def test_it_refuses_what_it_cannot_compute(test, reference, options, field, message):
    with pytest.raises(StatsInputError, match=message) as caught:
        equivalence.quality_range(np.array(test), np.array(reference), **options)
    assert caught.value.field == field


def example(tmp_path):
    path = tmp_path / "comparability-clinic.csv"
    path.write_bytes(example_files()["comparability-clinic.csv"])
    return str(path)


def test_the_command_prints_the_issue_document(tmp_path):
    result = invoke(
        "quality-range",
        example(tmp_path),
        "--group",
        "fact",
        "--value",
        "var1",
        "--test",
        "1",
        "--reference",
        "2",
        "--json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {"low", "high", "inside", "total", "share", "passes"} <= set(document)
    assert (document["inside"], document["total"], document["passes"]) == (14, 15, True)
    assert document["outside"] == [{"line": 12, "value": 5.37}]
    assert (document["low"], document["high"]) == pytest.approx((1.4920333, 5.1746333), abs=5e-8)
    assert document["provenance"]["parameters"]["k"] == 3.0
    assert document["provenance"]["parameters"]["min_share"] == 0.9


def test_k_and_the_minimum_share_are_options(tmp_path):
    result = invoke(
        "quality-range",
        example(tmp_path),
        "--group",
        "fact",
        "--value",
        "var1",
        "--test",
        "1",
        "--reference",
        "2",
        "--k",
        "1.5",
        "--min-share",
        "0.8",
        "--json",
    )
    document = json.loads(result.stdout)
    # 3.3333 ± 1.5 · 0.61377 = 2.41268 to 4.25398: 2.41 and 5.37 fall outside, 13 of 15 (86.7 %) ≥ 80 %.
    assert (document["inside"], document["passes"]) == (13, True)
    assert [o["value"] for o in document["outside"]] == [2.41, 5.37]


def test_it_draws_the_range_with_both_groups(tmp_path):
    plot = tmp_path / "range.svg"
    result = invoke(
        "quality-range",
        example(tmp_path),
        "--group",
        "fact",
        "--value",
        "var1",
        "--test",
        "1",
        "--reference",
        "2",
        "--plot",
        str(plot),
    )
    assert result.exit_code == 0, result.output
    assert "Quality range" in plot.read_text() and "14 of 15 test values inside" in plot.read_text()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--reference", "3"), "--reference: no group '3' in column 'fact' (its groups: '1', '2')"),
        (("--reference", "2", "--k", "-1"), "--k: must be above 0, not -1"),
        (("--reference", "2", "--min-share", "0"), "--min-share: must be above 0 and at most 1, not 0"),
        (("--reference", "2", "--value", "var9"), "--value: no column 'var9'"),
    ],
)
def test_bad_input_exits_2_naming_the_option(tmp_path, options, message):
    arguments = ["--group", "fact", "--value", "var1", "--test", "1", *options]
    result = invoke("quality-range", example(tmp_path), *arguments, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_a_reference_group_without_spread_exits_2(tmp_path):
    path = tmp_path / "flat.csv"
    path.write_text("lot,kind,potency\nL1,ref,100\nL2,ref,100\nL3,new,99\n")
    result = invoke(
        "quality-range", str(path), "--group", "kind", "--value", "potency", "--test", "new", "--reference", "ref"
    )
    assert result.exit_code == 2
    assert "--reference: the values of reference group 'ref' are all equal (s_R = 0)" in result.stderr
