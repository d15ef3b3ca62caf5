"""Viral clearance: ICH Q5A(R2) arithmetic, the counting rules and the claim."""

import math

import pytest

from atmp.stats import viral
from atmp.stats.errors import StatsInputError


def step(name="S1", mechanism="m", load=(7.0, 100.0), output=(2.0, 110.0), detected=True):
    return viral.Step(name, mechanism, load[0], load[1], output[0], output[1], detected)


def test_it_computes_the_lrv_from_titres_and_volumes():
    # Q5A(R2) Annex 3: R = log10[(v' · 10^a') / (v'' · 10^a'')]; 10^7 × 100 mL in, 10^2 × 110 mL out.
    expected = (7.0 + 2.0) - (2.0 + math.log10(110.0))
    assert viral.log_reduction(step()) == pytest.approx(expected, abs=1e-9)
    assert viral.log_reduction(step()) == pytest.approx(4.958607, abs=1e-6)


def test_it_counts_a_step_above_one_log_only():
    at_one = step("A", load=(3.0, 10.0), output=(2.0, 10.0))
    above = step("B", mechanism="n", load=(3.01, 10.0), output=(2.0, 10.0))
    result = viral.clearance([at_one, above])
    assert [s.counted for s in result.steps] == [False, True]
    assert "not above 1" in result.steps[0].reason
    assert result.claim == pytest.approx(1.01)


def test_it_lists_but_does_not_sum_a_second_step_of_a_counted_mechanism():
    first = step("Affinity", mechanism="chromatography", load=(6.0, 10.0), output=(3.0, 10.0))
    second = step("AEX", mechanism="chromatography", load=(6.0, 10.0), output=(2.0, 10.0))
    result = viral.clearance([first, second])
    assert [s.counted for s in result.steps] == [True, False]
    assert "already counted at step 'Affinity'" in result.steps[1].reason
    assert result.claim == pytest.approx(3.0)


def test_a_step_below_one_log_does_not_use_up_its_mechanism():
    weak = step("Weak", mechanism="chromatography", load=(3.0, 10.0), output=(2.5, 10.0))
    strong = step("Strong", mechanism="chromatography", load=(6.0, 10.0), output=(2.0, 10.0))
    result = viral.clearance([weak, strong])
    assert [s.counted for s in result.steps] == [False, True]
    assert result.claim == pytest.approx(4.0)


def test_an_undetected_output_makes_the_step_and_claim_at_least():
    result = viral.clearance([step("Filter", detected=False), step("Other", mechanism="x", detected=True)])
    assert result.steps[0].greater_equal and not result.steps[1].greater_equal
    assert result.claim_greater_equal


def test_a_claim_from_detected_steps_only_is_exact():
    not_counted = step("Not counted", load=(2.0, 10.0), output=(1.5, 10.0), detected=False)
    result = viral.clearance([step("Counted"), not_counted])
    assert not result.claim_greater_equal


@pytest.mark.parametrize("volumes", [(0.0, 10.0), (10.0, -1.0)])
def test_it_refuses_a_volume_that_is_not_positive(volumes):
    with pytest.raises(StatsInputError, match="volume must be above 0"):
        viral.clearance([step(load=(6.0, volumes[0]), output=(2.0, volumes[1]))])


def test_it_refuses_no_steps_and_duplicate_names():
    with pytest.raises(StatsInputError, match="at least one step"):
        viral.clearance([])
    with pytest.raises(StatsInputError, match="listed twice"):
        viral.clearance([step("A"), step("A", mechanism="n")])


def test_the_poisson_limit_of_an_undetected_sample_is_about_three_per_sampled_volume():
    # Q5A(R2): e^(−cV) = 0.05 at 95 %, c = 2.996 / V; 100 mL sampled: 0.02996 per mL, log10 −1.5235.
    assert viral.poisson_detection_limit(100.0) == pytest.approx(math.log10(-math.log(0.05) / 100.0))
    assert viral.poisson_detection_limit(1.0) == pytest.approx(0.4765, abs=1e-4)
    with pytest.raises(StatsInputError, match="sampled volume must be above 0"):
        viral.poisson_detection_limit(0.0)
