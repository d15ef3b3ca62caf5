"""EU GMP Annex 1 (2022) action limits for environmental monitoring, and the evaluation of a result.

Pure (no Django): the tables are data in code, checked against the primary text (REGULATORY.md):
- Annex 1 (2022) §9.5 and Table 5, "Maximum permitted total particle concentration for
  monitoring", per m³, at rest and in operation; grade D in operation is "not predetermined",
  set by the manufacturer (None here: no Annex 1 limit).
- Annex 1 (2022) §9.29 and Table 6, "Maximum action limits for viable particle contamination":
  air CFU/m³, settle plates (90 mm) CFU/4 hours, contact plates (55 mm) CFU/plate, glove print
  (5 fingers on both hands) CFU/glove; grade A "no growth" (0 here: any growth exceeds it); no
  glove limit for grades C and D (None).
The 2008 numbers (e.g. 20 particles ≥5.0 µm in grade A) are obsolete and must not appear here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

GRADES = ("A", "B", "C", "D")
STATES = ("at_rest", "in_operation")

PARTICLES_05 = "particles_0_5"
PARTICLES_50 = "particles_5_0"
ACTIVE_AIR = "active_air"
SETTLE_PLATE = "settle_plate"
CONTACT_PLATE = "contact_plate"
GLOVE_PRINT = "glove_print"
SAMPLE_TYPES = (PARTICLES_05, PARTICLES_50, ACTIVE_AIR, SETTLE_PLATE, CONTACT_PLATE, GLOVE_PRINT)
SAMPLE_TYPE_LABELS = {
    PARTICLES_05: "Total particles ≥0.5 µm",
    PARTICLES_50: "Total particles ≥5.0 µm",
    ACTIVE_AIR: "Active air",
    SETTLE_PLATE: "Settle plate",
    CONTACT_PLATE: "Contact plate",
    GLOVE_PRINT: "Glove print",
}

# The unit each sample type is reported in, as Annex 1's tables state it. A result in another unit
# is refused, never converted silently (issue 14, bad input).
UNITS = {
    PARTICLES_05: "/m3",
    PARTICLES_50: "/m3",
    ACTIVE_AIR: "CFU/m3",
    SETTLE_PLATE: "CFU/4h",
    CONTACT_PLATE: "CFU/plate",
    GLOVE_PRINT: "CFU/glove",
}

# Annex 1 (2022) Table 5 (§9.5): maximum total particles per m³, ≥0.5 µm and ≥5.0 µm.
PARTICLES: dict[str, dict[str, dict[str, int | None]]] = {
    "A": {"at_rest": {"0.5": 3520, "5.0": 29}, "in_operation": {"0.5": 3520, "5.0": 29}},
    "B": {"at_rest": {"0.5": 3520, "5.0": 29}, "in_operation": {"0.5": 352000, "5.0": 2930}},
    "C": {"at_rest": {"0.5": 352000, "5.0": 2930}, "in_operation": {"0.5": 3520000, "5.0": 29300}},
    "D": {"at_rest": {"0.5": 3520000, "5.0": 29300}, "in_operation": {"0.5": None, "5.0": None}},
}

# Annex 1 (2022) Table 6 (§9.29): maximum action limits for viable contamination; 0 is "no growth".
VIABLE: dict[str, dict[str, int | None]] = {
    "A": {"air": 0, "settle": 0, "contact": 0, "glove": 0},
    "B": {"air": 10, "settle": 5, "contact": 5, "glove": 5},
    "C": {"air": 100, "settle": 50, "contact": 25, "glove": None},
    "D": {"air": 200, "settle": 100, "contact": 50, "glove": None},
}

_PARTICLE_SIZE = {PARTICLES_05: "0.5", PARTICLES_50: "5.0"}
_VIABLE_KEY = {ACTIVE_AIR: "air", SETTLE_PLATE: "settle", CONTACT_PLATE: "contact", GLOVE_PRINT: "glove"}

WITHIN = "within"
ALERT = "alert"
ACTION = "action"


def is_particles(sample_type: str) -> bool:
    """Return True for a total-particle count (Table 5), False for a viable one (Table 6)."""
    return sample_type in _PARTICLE_SIZE


def action_limit(grade: str, sample_type: str, state: str) -> Decimal | None:
    """Return Annex 1's action limit for the grade, sample type and state, or None where it sets none."""
    if grade not in GRADES:
        raise ValueError(f"grade: {grade!r} is not one of {', '.join(GRADES)}")
    if state not in STATES:
        raise ValueError(f"state: {state!r} is not one of {', '.join(STATES)}")
    if sample_type in _PARTICLE_SIZE:
        value = PARTICLES[grade][state][_PARTICLE_SIZE[sample_type]]
    elif sample_type in _VIABLE_KEY:
        # Table 6 gives one limit per grade, whatever the state (grade A/B are monitored in operation).
        value = VIABLE[grade][_VIABLE_KEY[sample_type]]
    else:
        raise ValueError(f"sample_type: {sample_type!r} is not one of {', '.join(SAMPLE_TYPES)}")
    return None if value is None else Decimal(value)


def source_of(sample_type: str) -> str:
    """Return the paragraph and table an action limit of this sample type comes from."""
    return "Annex 1 (2022) §9.5 Table 5" if is_particles(sample_type) else "Annex 1 (2022) §9.29 Table 6"


@dataclass(frozen=True)
class Evaluation:
    """A result's level and the limits it was judged against."""

    level: str
    action: Decimal | None
    alert: Decimal | None


def evaluate(value: Decimal, *, action: Decimal | None, alert: Decimal | None) -> Evaluation:
    """Judge a count: above the action limit is action, else above the alert limit is alert, else within.

    "Above" is strict: a count equal to a limit does not exceed it. With a limit of 0 ("no growth",
    grade A) any growth (a count above 0) is action.
    """
    if action is not None and value > action:
        return Evaluation(ACTION, action, alert)
    if alert is not None and value > alert:
        return Evaluation(ALERT, action, alert)
    return Evaluation(WITHIN, action, alert)


def table() -> dict[str, Any]:
    """Return the Annex 1 table as `atmp environment limits --json` prints it."""
    return {
        "particles": {g: {s: dict(PARTICLES[g][s]) for s in STATES} for g in GRADES},
        "viable": {g: dict(VIABLE[g]) for g in GRADES},
    }
