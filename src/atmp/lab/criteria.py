"""Acceptance criteria of a specification and the evaluation of a result against one (pure, no Django).

A criterion is written as one of:

- `A-B` (also `A–B` or `A to B`): a range, both limits included; limits may be negative
  (`-1.0-2.0`, `-2.0--1.0`) and may carry an exponent (`1.0E12-5.0E13`);
- `>=A`, `<=B` (also `≥`, `≤`), `>A`, `<B`: one limit, spaces allowed (`>= 98.0`);
- `conforms`: the result is `conforms` or `does not conform` (Ph. Eur.'s `complies` / `does not comply`);
- `report`: any result is reported, nothing is judged.

Evaluation follows USP General Notices 7.20 "Rounding Rules": the observed value is rounded to the
number of decimal places of the limit, then compared; intermediate values are not rounded; a 5
followed by nothing rounds away from zero (Decimal's ROUND_HALF_UP). A limit's precision is its
last written digit: `98.0` is tenths, `20` is units, `1.0E12` is 10^11. For a range whose two limits
are written to different precisions (`90-110.0`), the finer one (more decimals) is used for rounding
and reporting (ADR 0023: never lets a value pass that would fail at either limit's own precision).

A value is decimal text, with an optional exponent (`1.2E13` vector genomes/mL). A censored value
(`<0.5`, `>1.0E13`, below or above a method's range) is judged only where the answer is certain:
`<X` against an upper limit conforms when X, rounded, is within it; `>X` against a lower limit
likewise; anything else is refused (rule `censored`) rather than guessed. Decimal only, never float.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import TypedDict

__all__ = ["KINDS", "Criterion", "CriterionError", "Evaluation", "evaluate", "parse", "parse_value"]

# The kinds an attribute of a specification may have: a numeric criterion, a pass/fail judgement, or a
# result reported without limit (ICH Q6B §2.3 and the EMA investigational ATMP guideline §5.2 accept
# "report result" for characterisation in early phases).
NUMERIC, CONFORMS, REPORT = "numeric", "conforms", "report"
KINDS = (NUMERIC, CONFORMS, REPORT)

# Digits kept while rounding: far more than any result; a value outside it is refused (rule `range`).
_PRECISION = 200
_MAX_EXPONENT = 99

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"\s*({_NUM})\s*(?:-|–|—|to)\s*({_NUM})\s*")
_ONE = re.compile(rf"\s*(>=|<=|≥|≤|>|<)\s*({_NUM})\s*")
_VALUE = re.compile(rf"\s*(<=|>=|<|>)?\s*({_NUM})\s*")
_OPERATORS = {"≥": ">=", "≤": "<="}
_CONFORMS_WORDS = {"conforms": True, "complies": True, "does not conform": False, "does not comply": False}


class CriterionError(ValueError):
    """A criterion or value refused; `field` is `criterion` or `value`, `rule` names the rule broken."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {rule}: {message}")
        self.field = field
        self.rule = rule
        self.message = f"{rule}: {message}"


class Evaluation(TypedDict):
    """The outcome of a result against its criterion: whether it conforms, and the value as reported."""

    conforms: bool
    reported: str


@dataclass(frozen=True)
class Criterion:
    """A parsed criterion: its kind, limits (None where open), whether each is included, and its quantum."""

    kind: str
    low: Decimal | None = None
    high: Decimal | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    quantum: Decimal | None = None  # e.g. Decimal("0.1"): the place values are rounded to

    @property
    def decimals(self) -> int | None:
        """Return the number of decimal places values are rounded to (negative for tens, hundreds …)."""
        return None if self.quantum is None else -self.quantum.as_tuple().exponent  # type: ignore[operator]


def _number(text: str, field: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regular expressions only pass numbers
        raise CriterionError(field, "number", f"{text!r} is not a decimal number") from None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or not isinstance(exponent, int) or abs(exponent) > _MAX_EXPONENT:
        raise CriterionError(field, "range", f"{text!r} is outside the numbers a result may have")
    return number


def _quantum(limit: Decimal) -> Decimal:
    """Return the place of a limit's last written digit (USP 7.20: its number of decimal places)."""
    return Decimal(1).scaleb(limit.as_tuple().exponent)  # type: ignore[arg-type]


def parse(text: object) -> Criterion:
    """Parse a criterion's text, or refuse it naming the rule (field `criterion`)."""
    if not isinstance(text, str) or not text.strip():
        raise CriterionError("criterion", "required", "write a range A-B, >=A, <=B, >A, <B, 'conforms' or 'report'")
    word = text.strip().lower()
    if word in (CONFORMS, REPORT):
        return Criterion(kind=word)
    if "," in text:
        raise CriterionError("criterion", "decimal point", f"{text!r}: write decimals with a point, not a comma")
    one = _ONE.fullmatch(text)
    if one:
        op = _OPERATORS.get(one.group(1), one.group(1))
        limit = _number(one.group(2), "criterion")
        quantum = _quantum(limit)
        if op.startswith(">"):
            return Criterion(kind=NUMERIC, low=limit, low_inclusive=op == ">=", quantum=quantum)
        return Criterion(kind=NUMERIC, high=limit, high_inclusive=op == "<=", quantum=quantum)
    both = _RANGE.fullmatch(text)
    if both:
        low, high = _number(both.group(1), "criterion"), _number(both.group(2), "criterion")
        if low >= high:
            raise CriterionError(
                "criterion", "range order", f"{text!r}: the lower limit {low} must be below the upper limit {high}"
            )
        # The finer of the two precisions (ADR 0023).
        quantum = min(_quantum(low), _quantum(high))
        return Criterion(kind=NUMERIC, low=low, high=high, quantum=quantum)
    raise CriterionError(
        "criterion",
        "form",
        f"{text!r} is not a criterion; write a range A-B, >=A, <=B, >A, <B (decimal numbers, e.g. 98.0-102.0, "
        ">=1.0E12), 'conforms' or 'report'",
    )


def parse_value(text: object) -> tuple[str, Decimal]:
    """Return a numeric value's operator ('' for an observed value, '<' or '>' when censored) and number."""
    if not isinstance(text, str) or not text.strip():
        raise CriterionError("value", "required", "give the observed value (decimal text, e.g. 98.4 or 1.2E13)")
    if "," in text:
        raise CriterionError("value", "decimal point", f"{text!r}: write decimals with a point, not a comma")
    found = _VALUE.fullmatch(text)
    if not found:
        raise CriterionError(
            "value", "number", f"{text!r} is not a decimal number (e.g. 98.4, -0.5, 1.2E13, or <0.5 when censored)"
        )
    op = found.group(1) or ""
    return op, _number(found.group(2), "value")


def _round(value: Decimal, quantum: Decimal) -> Decimal:
    """Round half up (away from zero) to the quantum (USP 7.20); a negative zero reads as zero."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        try:
            rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise CriterionError("value", "range", f"{value} cannot be rounded to {quantum}") from None
    return abs(rounded) if rounded.is_zero() else rounded


def _text(number: Decimal) -> str:
    """Return a rounded number as reported: plain where it has decimals, 1.2E13 where it has an exponent."""
    text = str(number)
    return text.replace("E+", "E")


def _within(c: Criterion, rounded: Decimal) -> bool:
    if c.low is not None and (rounded < c.low or (rounded == c.low and not c.low_inclusive)):
        return False
    return not (c.high is not None and (rounded > c.high or (rounded == c.high and not c.high_inclusive)))


def _censored(c: Criterion, op: str, number: Decimal, value: str) -> Evaluation:
    """Judge a censored value where the answer is certain: every value it stands for conforms, or none does."""
    assert c.quantum is not None  # a numeric criterion always has one
    bound = _round(number, c.quantum)  # rounding is monotonic: v < X gives round(v) <= round(X)
    reported = f"{op}{value.strip().lstrip('<>=').strip()}"
    below = c.low is None and c.high is not None and (bound < c.high or (bound == c.high and c.high_inclusive))
    above = c.high is None and c.low is not None and (bound > c.low or (bound == c.low and c.low_inclusive))
    if (op.startswith("<") and below) or (op.startswith(">") and above):
        return {"conforms": True, "reported": reported}
    raise CriterionError(
        "value",
        "censored",
        f"{value.strip()!r} cannot be judged against this criterion: the values it stands for may or may not "
        "conform; report a measured value (or a limit of quantitation inside the criterion)",
    )


def evaluate(criterion: str, value: str) -> Evaluation:
    """Judge a value against a criterion (USP General Notices 7.20): whether it conforms, and as reported."""
    c = parse(criterion)
    if c.kind == REPORT:
        if not isinstance(value, str) or not value.strip():
            raise CriterionError("value", "required", "give the result to report")
        return {"conforms": True, "reported": value.strip()}
    if c.kind == CONFORMS:
        word = value.strip().lower() if isinstance(value, str) else ""
        if word not in _CONFORMS_WORDS:
            raise CriterionError(
                "value",
                "conforms",
                f"{value!r}: write 'conforms' or 'does not conform' ('complies' or 'does not comply')",
            )
        outcome = _CONFORMS_WORDS[word]
        return {"conforms": outcome, "reported": "Conforms" if outcome else "Does not conform"}
    op, number = parse_value(value)
    assert c.quantum is not None  # a numeric criterion always has one
    if op:
        return _censored(c, op, number, value)
    rounded = _round(number, c.quantum)
    return {"conforms": _within(c, rounded), "reported": _text(rounded)}
