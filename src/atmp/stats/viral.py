"""Viral clearance: log reduction values of process steps and the overall claim (ICH Q5A(R2))."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from atmp.stats.errors import StatsInputError

# ICH Q5A(R2) (2023), §6 and Annex 3: a reduction of 1 log10 or less is not counted toward the
# overall reduction factor, and reductions by the same mechanism are not added up without
# justification (counting one step of a mechanism is atmp's rule; a justification needs a human).
MINIMUM_COUNTED_LRV = 1.0
DIGITS = 10  # log titres are given to 1–2 decimals; this only removes binary representation noise


@dataclass(frozen=True)
class Step:
    """One process step of a spiking study: the load and output titres (log10 per mL) and volumes (mL)."""

    step: str
    mechanism: str
    load_log10_titre: float
    load_volume_ml: float
    output_log10_titre: float
    output_volume_ml: float
    output_detected: bool  # False: no virus detected, the output titre is the assay's detection limit


@dataclass(frozen=True)
class StepReduction:
    """A step's log reduction value and whether it counts toward the claim, with the reason."""

    step: str
    mechanism: str
    lrv: float
    greater_equal: bool
    counted: bool
    reason: str


@dataclass(frozen=True)
class Clearance:
    """Every step's reduction and the overall claim, the sum of the counted steps."""

    steps: tuple[StepReduction, ...]
    claim: float
    claim_greater_equal: bool


def log_reduction(step: Step) -> float:
    """Return LRV = log10(titre_in × volume_in) − log10(titre_out × volume_out) (ICH Q5A(R2) Annex 3)."""
    for name, volume in (("load_volume_ml", step.load_volume_ml), ("output_volume_ml", step.output_volume_ml)):
        if not volume > 0:
            raise StatsInputError(name, f"step {step.step!r}: a volume must be above 0 mL, not {volume:g}")
    load = step.load_log10_titre + math.log10(step.load_volume_ml)
    output = step.output_log10_titre + math.log10(step.output_volume_ml)
    return round(load - output, DIGITS)


def clearance(steps: Sequence[Step]) -> Clearance:
    """Return each step's LRV and the overall claim: counted steps (LRV > 1, one per mechanism) summed."""
    if not steps:
        raise StatsInputError("file", "no process steps: viral clearance needs at least one step")
    names = [s.step for s in steps]
    for name in names:
        if names.count(name) > 1:
            raise StatsInputError("step", f"step {name!r} is listed twice; each step needs a name of its own")
    counted_by: dict[str, str] = {}
    reductions: list[StepReduction] = []
    for step in steps:
        lrv = log_reduction(step)
        greater_equal = not step.output_detected
        if lrv <= MINIMUM_COUNTED_LRV:
            counted, reason = False, f"reduction of {lrv:.2f} log10 is not above {MINIMUM_COUNTED_LRV:g}: not counted"
        elif step.mechanism in counted_by:
            counted = False
            reason = (
                f"mechanism {step.mechanism!r} is already counted at step {counted_by[step.mechanism]!r}: "
                "steps of the same mechanism are not summed"
            )
        else:
            counted_by[step.mechanism] = step.step
            counted, reason = True, "counted"
        if greater_equal and counted:
            reason += " (no virus detected in the output: the reduction is at least this)"
        reductions.append(StepReduction(step.step, step.mechanism, lrv, greater_equal, counted, reason))
    claim = round(sum(r.lrv for r in reductions if r.counted), DIGITS)
    claim_ge = any(r.greater_equal for r in reductions if r.counted)
    return Clearance(steps=tuple(reductions), claim=claim, claim_greater_equal=claim_ge)


# ICH Q5A(R2), the annex on the probability of detecting virus at low concentrations: when no virus
# is found in a sample of V mL, the concentration is below c with confidence p where e^(−cV) = 1 − p;
# at 95 % c ≈ 3/V per mL (−ln 0.05 = 2.996). Large-volume sampling lowers this limit.
DETECTION_CONFIDENCE = 0.95


def poisson_detection_limit(sampled_volume_ml: float, confidence: float = DETECTION_CONFIDENCE) -> float:
    """Return the log10 titre per mL below which no virus is found in the sampled volume (Poisson)."""
    if not sampled_volume_ml > 0:
        raise StatsInputError("sampled_volume_ml", f"the sampled volume must be above 0 mL, not {sampled_volume_ml:g}")
    if not 0 < confidence < 1:
        raise StatsInputError("confidence", f"the confidence must be between 0 and 1, not {confidence:g}")
    return round(math.log10(-math.log(1 - confidence) / sampled_volume_ml), DIGITS)
