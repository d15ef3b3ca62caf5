"""Properties every tolerance factor has (hypothesis): more coverage or confidence widens, more data narrows."""

from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.stats import tolerance

N = st.integers(min_value=2, max_value=100_000)
PROPORTION = st.floats(min_value=0.5, max_value=0.9999)
ABOVE_HALF = st.floats(min_value=0.501, max_value=0.9999)
EXACT = st.sampled_from(["one", "two"])


def exact(n, coverage, confidence, sided):
    return tolerance.factor(n, coverage, confidence, sided=sided, method="exact")


@settings(max_examples=60, deadline=None)
@given(n=N, coverage=PROPORTION, confidence=PROPORTION, sided=EXACT, step=st.floats(min_value=1e-4, max_value=0.05))
def test_more_confidence_or_coverage_gives_a_larger_factor(n, coverage, confidence, sided, step):
    k = exact(n, coverage, confidence, sided)
    if confidence + step <= tolerance.HIGHEST:
        assert exact(n, coverage, confidence + step, sided) > k
    if coverage + step <= tolerance.HIGHEST:
        assert exact(n, coverage + step, confidence, sided) > k


@settings(max_examples=60, deadline=None)
@given(n=N, coverage=ABOVE_HALF, confidence=ABOVE_HALF, sided=EXACT)
def test_a_larger_sample_gives_a_smaller_factor(n, coverage, confidence, sided):
    # (At P = γ = 0.5 the one-sided k is 0, the median, whatever n.)
    assert exact(n + 1, coverage, confidence, sided) < exact(n, coverage, confidence, sided)


@settings(max_examples=60, deadline=None)
@given(n=N, coverage=PROPORTION, confidence=PROPORTION)
def test_the_two_sided_factor_exceeds_the_one_sided_factor(n, coverage, confidence):
    # If [x̄ − ks, x̄ + ks] holds a proportion P, so does (−∞, x̄ + ks]: γ₂(k) ≤ γ₁(k), hence k₂ ≥ k₁.
    assert exact(n, coverage, confidence, "two") > exact(n, coverage, confidence, "one")
