"""Property-based tests: each Nelson rule fires on its defining pattern in any position, and the vectorised
rules agree with a point-by-point reading of the definitions (REGULATORY.md, Nelson 1984)."""

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import run
from atmp.stats.control_rules import individuals_chart, rule_flags, zone_scores
from atmp.stats.errors import StatsInputError

# With centre 0 and σ 1 a value is its own z. Pattern values keep clear of the zone boundaries by 0.001σ,
# far more than the rounding of z (1e-9), so a pattern is a pattern whatever the rounding.
background = st.lists(st.floats(-6, 6, allow_nan=False), max_size=30)
side = st.sampled_from([1.0, -1.0])


def beyond(k):
    return st.floats(k + 0.001, 6.0)


def within(k):
    return st.floats(-(k - 0.001), k - 0.001)


@st.composite
def rule_1(draw):
    return [draw(side) * draw(beyond(3))]


@st.composite
def rule_2(draw):
    s = draw(side)
    return [s * draw(st.floats(0.001, 6.0)) for _ in range(9)]


@st.composite
def rule_3(draw):
    s = draw(side)
    steps = draw(st.lists(st.floats(0.001, 2.0), min_size=5, max_size=5))
    return list(draw(st.floats(-4, 4)) + s * np.concatenate(([0.0], np.cumsum(steps))))


@st.composite
def rule_4(draw):
    s = draw(side)
    steps = draw(st.lists(st.floats(0.001, 2.0), min_size=13, max_size=13))
    signed = [s * (-1) ** i * step for i, step in enumerate(steps)]
    return list(draw(st.floats(-4, 4)) + np.concatenate(([0.0], np.cumsum(signed))))


@st.composite
def k_of_m(draw, k, m, level):
    """m points ending with one beyond `level`σ, with k − 1 of the m − 1 before it beyond on that side."""
    s = draw(side)
    chosen = draw(st.permutations(range(m - 1)))[: k - 1]
    points = [draw(st.floats(-6, 6)) for _ in range(m - 1)]
    for i in chosen:
        points[i] = s * draw(beyond(level))
    return [*points, s * draw(beyond(level))]


@st.composite
def rule_7(draw):
    return [draw(within(1)) for _ in range(15)]


@st.composite
def rule_8(draw):
    signs = draw(st.lists(side, min_size=8, max_size=8).filter(lambda s: 1.0 in s and -1.0 in s))
    return [s * draw(beyond(1)) for s in signs]


PATTERNS = {
    1: rule_1(),
    2: rule_2(),
    3: rule_3(),
    4: rule_4(),
    5: k_of_m(2, 3, 2),
    6: k_of_m(4, 5, 1),
    7: rule_7(),
    8: rule_8(),
}


@st.composite
def embedded(draw):
    rule = draw(st.sampled_from(sorted(PATTERNS)))
    before, pattern, after = draw(background), draw(PATTERNS[rule]), draw(background)
    return rule, [*before, *pattern, *after], len(before) + len(pattern) - 1


@settings(max_examples=400, deadline=None)
@given(embedded())
def test_a_rule_fires_on_its_defining_pattern_in_any_position(case):
    rule, values, end = case
    flags = rule_flags(values, centre=0.0, sigma=1.0)
    assert flags[rule][end], (rule, end, values)


def reference(values, centre, sigma):
    """Return the (rule, index) pairs by reading each rule's definition point by point."""
    x = list(values)
    z = list(zone_scores(values, centre=centre, sigma=sigma))
    found = []
    for i in range(len(x)):
        found.extend((rule, i) for rule in range(1, 9) if reference_fires(rule, i, x, z))
    return found


def reference_fires(rule, i, x, z):
    if rule == 1:
        return abs(z[i]) > 3
    if rule in (5, 6):
        k, m, level = (2, 3, 2) if rule == 5 else (4, 5, 1)
        before = range(max(0, i - m + 1), i)  # the points before i in its window (those that exist)
        return any(s * z[i] > level and sum(s * z[j] > level for j in before) >= k - 1 for s in (1, -1))
    if rule == 8:
        runs = [range(start, i + 1) for start in range(i - 6)]  # every run of eight or more ending at i
        return any(
            all(abs(z[j]) > 1 for j in r) and any(z[j] > 1 for j in r) and any(z[j] < -1 for j in r) for r in runs
        )
    length = {2: 9, 3: 6, 4: 14, 7: 15}[rule]
    if i < length - 1:
        return False
    points = range(i - length + 1, i + 1)  # the points of the pattern ending at i
    steps = [x[j] - x[j - 1] for j in points[1:]]  # the steps between them
    if rule == 2:
        return all(z[j] > 0 for j in points) or all(z[j] < 0 for j in points)
    if rule == 3:
        return all(d > 0 for d in steps) or all(d < 0 for d in steps)
    if rule == 4:
        return all(np.sign(a) * np.sign(b) == -1 for a, b in itertools.pairwise(steps))
    return all(abs(z[j]) < 1 for j in points)  # rule 7


# Values on a grid of half-σ steps hit every boundary and every tie: a point on the centre, on ±1σ, ±2σ,
# ±3σ, equal neighbours. Series drawn from two or three grid values, and series of repeated values, make
# the long runs of rules 2, 7 and 8.
half_sigmas = st.integers(-8, 8).map(lambda k: k / 2)


def series_of(elements):
    return st.integers(1, 60).flatmap(lambda n: st.lists(elements, min_size=n, max_size=n))


grid = st.one_of(
    series_of(half_sigmas),
    st.lists(half_sigmas, min_size=1, max_size=3, unique=True).flatmap(lambda few: series_of(st.sampled_from(few))),
    st.lists(st.tuples(half_sigmas, st.integers(1, 16)), min_size=1, max_size=6).map(
        lambda segments: [value for value, repeat in segments for _ in range(repeat)]
    ),
)


@settings(max_examples=400, deadline=None)
@given(grid)
def test_the_rules_agree_with_a_point_by_point_reading_of_their_definitions(values):
    chart = individuals_chart(values, centre=0.0, sigma=1.0)
    assert [(v.rule, v.index) for v in chart.violations] == reference(values, 0.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=80).filter(lambda v: len(set(v)) > 1))
def test_with_estimated_limits_the_rules_agree_with_the_reference_too(values):
    chart = individuals_chart(values)
    assert [(v.rule, v.index) for v in chart.violations] == reference(values, chart.centre, chart.sigma)


@settings(max_examples=200, deadline=None)
@given(grid)
def test_a_mirrored_series_fires_the_same_rules_at_the_same_points(values):
    chart = individuals_chart(values, centre=0.0, sigma=1.0)
    mirror = individuals_chart([-v for v in values], centre=0.0, sigma=1.0)
    assert mirror.violations == chart.violations


@settings(max_examples=200, deadline=None)
@given(grid, st.integers(-20, 20))
def test_scaling_by_a_power_of_two_changes_nothing(values, power):
    scale = 2.0**power
    chart = individuals_chart(values, centre=0.0, sigma=1.0)
    scaled = individuals_chart([v * scale for v in values], centre=0.0, sigma=scale)
    assert scaled.violations == chart.violations


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40),
    st.none() | st.floats(allow_nan=False, allow_infinity=False),
    st.none() | st.floats(min_value=1e-300, allow_nan=False, allow_infinity=False),
)
def test_any_finite_input_gives_a_document_or_a_refusal_never_a_nan(values, centre, sigma):
    raw = {"values": values, "centre": centre, "sigma": sigma}
    try:
        document = run(ANALYSES["trend"], raw, None).document  # plain() raises on any NaN or infinity
    except StatsInputError as refusal:
        assert refusal.field in {"values", "centre", "sigma"} and refusal.message
        return
    assert document["n"] == len(values)
    assert all(0 <= v["index"] < len(values) and 1 <= v["rule"] <= 8 for v in document["violations"])
