"""The pure risk scoring: RPN, the suggested class and its reason, and refused scores."""

from __future__ import annotations

import pytest

from atmp.quality.risk import DEFAULT_SCALE, Scale, assess


@pytest.mark.parametrize(
    ("s", "o", "d", "rpn", "suggested"),
    [
        (1, 1, 1, 1, "minor"),
        (3, 2, 2, 12, "minor"),
        (2, 4, 2, 16, "major"),
        (4, 1, 1, 4, "major"),
        (3, 4, 4, 48, "critical"),
        (5, 1, 1, 5, "critical"),
    ],
)
def test_it_suggests_a_class_from_the_scores(s, o, d, rpn, suggested):
    found = assess(s, o, d)
    assert (found.rpn, found.suggested) == (rpn, suggested)
    assert found.because


def test_a_site_scale_changes_the_thresholds():
    ten = Scale(levels=10, major_rpn=100, critical_rpn=400, major_severity=7, critical_severity=9)
    assert assess(5, 5, 5, ten).suggested == "major"
    assert assess(9, 1, 1, ten).suggested == "critical"


@pytest.mark.parametrize("bad", [0, 6, -1, True])
def test_it_refuses_a_score_off_the_scale(bad):
    with pytest.raises(ValueError, match="severity: a score from 1 to 5"):
        assess(bad, 1, 1, DEFAULT_SCALE)


def test_it_refuses_thresholds_out_of_order():
    with pytest.raises(ValueError, match="thresholds"):
        Scale(major_rpn=50, critical_rpn=20)
