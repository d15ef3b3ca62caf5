"""Properties of TOST that hold for any data (hypothesis): symmetry under swapping test and reference."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from atmp.stats import equivalence
from atmp.stats.errors import StatsInputError

# Values of a lab measurement: a scale where no float underflows or overflows in a variance.
VALUE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 6))
SAMPLE = st.lists(VALUE, min_size=2, max_size=30)
MARGIN = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
ALPHA = st.floats(min_value=1e-4, max_value=0.4999)


def tost_or_none(test, reference, **options):
    try:
        return equivalence.tost(np.array(test), np.array(reference), **options)
    except StatsInputError:
        return None  # no variation: refused both ways, which the symmetry test checks too


def assert_mirrored(forward, backward):
    assert backward.difference == -forward.difference
    assert backward.se == pytest.approx(forward.se, rel=1e-12)
    assert backward.df == pytest.approx(forward.df, rel=1e-12)
    assert backward.ci_low == pytest.approx(-forward.ci_high, rel=1e-12, abs=1e-12 * forward.se)
    assert backward.ci_high == pytest.approx(-forward.ci_low, rel=1e-12, abs=1e-12 * forward.se)
    assert backward.p_lower == pytest.approx(forward.p_upper, rel=1e-9, abs=1e-300)
    assert backward.p_upper == pytest.approx(forward.p_lower, rel=1e-9, abs=1e-300)
    assert backward.p_value == pytest.approx(forward.p_value, rel=1e-9, abs=1e-300)
    # The decision can only differ where the interval touches a margin to the last bit.
    touching = min(abs(abs(forward.ci_low) - forward.margin), abs(abs(forward.ci_high) - forward.margin))
    if touching > 1e-9 * max(forward.margin, forward.se):
        assert backward.equivalent is forward.equivalent


@settings(max_examples=200, deadline=None)
@given(test=SAMPLE, reference=SAMPLE, margin=MARGIN, alpha=ALPHA, variant=st.sampled_from(["pooled", "welch"]))
def test_swapping_independent_groups_mirrors_the_result(test, reference, margin, alpha, variant):
    forward = tost_or_none(test, reference, margin=margin, alpha=alpha, variant=variant)
    backward = tost_or_none(reference, test, margin=margin, alpha=alpha, variant=variant)
    assert (forward is None) == (backward is None)
    if forward is not None and backward is not None:
        assert_mirrored(forward, backward)
        assert (backward.n_test, backward.n_reference) == (forward.n_reference, forward.n_test)


@settings(max_examples=200, deadline=None)
@given(pairs=st.lists(st.tuples(VALUE, VALUE), min_size=2, max_size=30), margin=MARGIN, alpha=ALPHA)
def test_swapping_paired_groups_mirrors_the_result(pairs, margin, alpha):
    test, reference = (list(column) for column in zip(*pairs, strict=True))
    forward = tost_or_none(test, reference, margin=margin, alpha=alpha, variant="paired")
    backward = tost_or_none(reference, test, margin=margin, alpha=alpha, variant="paired")
    assert (forward is None) == (backward is None)
    if forward is not None and backward is not None:
        assert_mirrored(forward, backward)


@settings(max_examples=200, deadline=None)
@given(test=SAMPLE, reference=SAMPLE, margin=MARGIN, alpha=ALPHA, variant=st.sampled_from(["pooled", "welch"]))
def test_the_p_value_and_the_interval_give_the_same_decision(test, reference, margin, alpha, variant):
    result = tost_or_none(test, reference, margin=margin, alpha=alpha, variant=variant)
    assume(result is not None)
    assert result is not None
    assert 0.0 <= result.p_lower <= 1.0 and 0.0 <= result.p_upper <= 1.0
    assert result.ci_low <= result.difference <= result.ci_high
    inside = -margin < result.ci_low and result.ci_high < margin
    # Schuirmann (1987): rejecting both one-sided nulls at alpha is the (1 − 2α) interval lying inside.
    if not math.isclose(result.p_value, alpha, rel_tol=1e-9):
        assert inside is (result.p_value < alpha)
    assert result.equivalent is inside
