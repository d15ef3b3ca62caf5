"""Risk scoring (ICH Q9(R1)): severity × occurrence × detectability, and the class it suggests.

Pure Python. ICH Q9(R1) §5 and Annex I describe FMEA (S, O, D and their product, the risk
priority number) without prescribing scales or thresholds, and warn that such scores carry less
precision than their numbers suggest and that subjectivity must be managed. So the scales, what
each level means and the thresholds are the site's (`quality.riskscale`); the defaults below are
atmp's, documented in docs/quality.md, and a person may override the suggested class only with a
reason. The suggestion shows the scores that led to it.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSES = ("minor", "major", "critical")


@dataclass(frozen=True)
class Scale:
    """A site's scoring scale: scores 1..levels, and the thresholds that suggest a class.

    A severity at or above critical_severity makes a deviation critical whatever the other
    scores (a potential harm to a patient is not diluted by a low occurrence); major_severity
    likewise makes it at least major. Otherwise the RPN decides: at least critical_rpn is
    critical, at least major_rpn is major, below is minor.
    """

    levels: int = 5
    major_rpn: int = 16
    critical_rpn: int = 48
    major_severity: int = 4
    critical_severity: int = 5

    def __post_init__(self) -> None:
        if self.levels not in (3, 4, 5, 10):
            raise ValueError("levels: a scale has 3, 4, 5 or 10 levels")
        top = self.levels**3
        if not 1 <= self.major_rpn <= self.critical_rpn <= top:
            raise ValueError(f"thresholds: 1 ≤ major_rpn ≤ critical_rpn ≤ {top} is required")
        if not 1 <= self.major_severity <= self.critical_severity <= self.levels:
            raise ValueError(f"severity thresholds: 1 ≤ major_severity ≤ critical_severity ≤ {self.levels}")


DEFAULT_SCALE = Scale()


@dataclass(frozen=True)
class Assessment:
    """The scores, their product and the class they suggest, with why."""

    severity: int
    occurrence: int
    detectability: int
    rpn: int
    suggested: str
    because: str


def check_score(name: str, value: int, scale: Scale) -> None:
    """Raise ValueError naming the score when it is not a whole number in 1..levels."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= scale.levels:
        raise ValueError(f"{name}: a score from 1 to {scale.levels}")


def assess(severity: int, occurrence: int, detectability: int, scale: Scale = DEFAULT_SCALE) -> Assessment:
    """Return the RPN of the three scores and the class the scale suggests for it."""
    for name, value in (("severity", severity), ("occurrence", occurrence), ("detectability", detectability)):
        check_score(name, value, scale)
    rpn = severity * occurrence * detectability
    if severity >= scale.critical_severity:
        suggested, because = "critical", f"severity {severity} ≥ {scale.critical_severity}"
    elif rpn >= scale.critical_rpn:
        suggested, because = "critical", f"RPN {rpn} ≥ {scale.critical_rpn}"
    elif severity >= scale.major_severity:
        suggested, because = "major", f"severity {severity} ≥ {scale.major_severity}"
    elif rpn >= scale.major_rpn:
        suggested, because = "major", f"RPN {rpn} ≥ {scale.major_rpn}"
    else:
        suggested, because = "minor", f"RPN {rpn} < {scale.major_rpn} and severity {severity} < {scale.major_severity}"
    return Assessment(severity, occurrence, detectability, rpn, suggested, because)
