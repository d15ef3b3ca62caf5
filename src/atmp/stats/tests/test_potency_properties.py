"""Properties of relative potency (hypothesis): dose scaling, swapping the standard, limits around the estimate."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from atmp.stats.potency import combine_runs
from atmp.stats.potency_logistic import relative_potency
from atmp.stats.potency_pla import parallel_line

SHIFT = st.floats(min_value=-1.5, max_value=1.5)
SLOPE = st.floats(min_value=0.5, max_value=20) | st.floats(min_value=-20, max_value=-0.5)
SEED = st.integers(min_value=0, max_value=2**32 - 1)
DOSES = st.integers(min_value=2, max_value=5)


def assay(shift, slope, seed, n_doses, factor=1.0):
    """Return a parallel-line assay of S and T (3 replicates), T's doses multiplied by factor."""
    rng = np.random.default_rng(seed)
    steps = np.repeat(np.arange(n_doses, dtype=float), 3)
    preparations = ["S"] * steps.size + ["T"] * steps.size
    doses = np.concatenate([2.0**steps, 2.0**steps])
    responses = 50 + slope * (np.log(doses) + np.where(np.array(preparations) == "T", shift, 0.0))
    responses = responses + rng.normal(0, 1, responses.size)
    doses[steps.size :] *= factor
    return preparations, doses, responses


@settings(max_examples=40, deadline=None)
@given(shift=SHIFT, slope=SLOPE, seed=SEED, n_doses=DOSES)
def test_doubling_the_test_doses_halves_the_potency_ratio(shift, slope, seed, n_doses):
    base = parallel_line(*assay(shift, slope, seed, n_doses), standard="S").ratios[0]
    doubled = parallel_line(*assay(shift, slope, seed, n_doses, factor=2.0), standard="S").ratios[0]
    assert doubled.potency_ratio == pytest.approx(base.potency_ratio / 2, rel=1e-9)
    if base.lower is not None:
        assert doubled.lower == pytest.approx(base.lower / 2, rel=1e-9)
        assert doubled.upper == pytest.approx(base.upper / 2, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(shift=SHIFT, slope=SLOPE, seed=SEED, n_doses=DOSES)
def test_swapping_standard_and_test_inverts_the_ratio_and_its_limits(shift, slope, seed, n_doses):
    data = assay(shift, slope, seed, n_doses)
    forward = parallel_line(*data, standard="S").ratios[0]
    backward = parallel_line(*data, standard="T").ratios[0]
    assert backward.potency_ratio == pytest.approx(1 / forward.potency_ratio, rel=1e-9)
    if forward.lower is not None:
        assert backward.lower == pytest.approx(1 / forward.upper, rel=1e-9)
        assert backward.upper == pytest.approx(1 / forward.lower, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(shift=SHIFT, slope=SLOPE, seed=SEED, n_doses=DOSES)
def test_the_fieller_limits_contain_the_estimate(shift, slope, seed, n_doses):
    ratio = parallel_line(*assay(shift, slope, seed, n_doses), standard="S").ratios[0]
    assume(ratio.lower is not None)
    assert ratio.lower <= ratio.potency_ratio <= ratio.upper


@settings(max_examples=40, deadline=None)
@given(
    logs=st.lists(st.floats(min_value=-1, max_value=1), min_size=2, max_size=8),
    width=st.floats(min_value=0.05, max_value=1),
)
def test_combined_runs_lie_within_their_range_and_equal_runs_give_their_value(logs, width):
    potencies = np.exp(np.array(logs))
    combined = combine_runs(potencies, potencies * math.exp(-width), potencies * math.exp(width))
    assert potencies.min() * (1 - 1e-12) <= combined.potency <= potencies.max() * (1 + 1e-12)
    assert combined.lower < combined.potency < combined.upper
    same = combine_runs(np.full(3, 2.0), np.full(3, 1.5), np.full(3, 2.5))
    assert same.potency == pytest.approx(2.0, rel=1e-12)


def logistic(shift, seed, factor=1.0):
    rng = np.random.default_rng(seed)
    doses = np.repeat(2.0 ** np.arange(-4, 5), 2)
    rows, ds, ys = [], [], []
    for name, e in (("S", 1.0), ("T", math.exp(-shift))):
        y = 0.1 + 1.9 / (1 + np.exp(1.2 * (np.log(doses) - np.log(e)))) + rng.normal(0, 0.02, doses.size)
        rows += [name] * doses.size
        ds.append(doses * (factor if name == "T" else 1.0))
        ys.append(y)
    return rows, np.concatenate(ds), np.concatenate(ys)


@settings(max_examples=10, deadline=None)
@given(shift=st.floats(min_value=-1, max_value=1), seed=SEED)
def test_the_4pl_potency_halves_with_doubled_test_doses_and_inverts_on_swap(shift, seed):
    base = relative_potency(*logistic(shift, seed), standard="S").ratios["T"]
    doubled = relative_potency(*logistic(shift, seed, factor=2.0), standard="S").ratios["T"]
    swapped = relative_potency(*logistic(shift, seed), standard="T").ratios["S"]
    assert doubled[0] == pytest.approx(base[0] / 2, rel=1e-6)
    assert swapped[0] == pytest.approx(1 / base[0], rel=1e-6)
    assert base[1] < base[0] < base[2]
    assert base[0] == pytest.approx(math.exp(shift), rel=0.2)
