"""The criteria parser and USP 7.20 evaluation (pure: no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atmp.lab.criteria import CriterionError, evaluate, parse


def judged(criterion: str, value: str) -> tuple[bool, str]:
    out = evaluate(criterion, value)
    return out["conforms"], out["reported"]


def test_it_rounds_to_the_limits_decimals_before_comparing_usp_example():
    # USP General Notices 7.20 (REGULATORY.md): 97.96 rounds to 98.0 and conforms; 97.94 does not.
    assert judged("98.0-102.0", "97.96") == (True, "98.0")
    assert judged("98.0-102.0", "97.94") == (False, "97.9")


@pytest.mark.parametrize(
    ("criterion", "value", "expected"),
    [
        ("98.0-102.0", "98.0", (True, "98.0")),
        ("98.0-102.0", "102.0", (True, "102.0")),
        ("98.0-102.0", "102.04", (True, "102.0")),
        ("98.0-102.0", "102.05", (False, "102.1")),
        ("98.0-102.0", "97.95", (True, "98.0")),
        (">=1.0E12", "9.5E11", (True, "1.0E12")),
        (">=1.0E12", "9.49E11", (False, "9E11")),
        ("<=20", "20.4", (True, "20")),
        ("<=20", "20.5", (False, "21")),
        (">5.0", "5.04", (False, "5.0")),
        (">5.0", "5.05", (True, "5.1")),
        ("<0.5", "0.45", (False, "0.5")),
        ("<0.5", "0.44", (True, "0.4")),
        ("< 0.5", "0.44", (True, "0.4")),
        (">= 90", "89.5", (True, "90")),
        (">= 90", "89.49", (False, "89")),
        ("≤ 5.0", "5.0", (True, "5.0")),
    ],
)
def test_it_judges_both_sides_of_each_kind_of_limit(criterion, value, expected):
    assert judged(criterion, value) == expected


def test_it_rounds_half_away_from_zero_for_negative_values():
    assert judged("-1.0-2.0", "-1.05") == (False, "-1.1")
    assert judged("-1.0-2.0", "-1.04") == (True, "-1.0")
    assert judged("-2.0--1.0", "-1.5") == (True, "-1.5")
    assert judged("<=0.0", "-0.04") == (True, "0.0")  # never "-0.0"


def test_it_reads_values_with_exponents_and_keeps_the_criterions_precision():
    assert judged("1.0E12-5.0E13", "1.2E13") == (True, "1.20E13")
    assert judged("98.0-102.0", "9.804E1") == (True, "98.0")
    assert judged(">=1.0E12", "1234567890123") == (True, "1.2E12")


def test_a_range_rounds_to_the_finer_of_its_two_limits():
    assert parse("90-110.0").decimals == 1
    assert judged("90-110.0", "89.6") == (False, "89.6")
    assert judged("90-110.0", "89.96") == (True, "90.0")


def test_it_judges_a_censored_value_only_when_the_answer_is_certain():
    assert judged("<=1.0", "<0.5") == (True, "<0.5")
    assert judged(">=1.0E12", ">5E12") == (True, ">5E12")
    with pytest.raises(CriterionError) as refused:
        evaluate("<=1.0", "<5")
    assert (refused.value.field, refused.value.rule) == ("value", "censored")
    with pytest.raises(CriterionError, match="censored"):
        evaluate("98.0-102.0", "<99")


def test_conforms_and_report_criteria():
    assert judged("conforms", "Conforms") == (True, "Conforms")
    assert judged("Conforms", "does not comply") == (False, "Does not conform")
    assert judged("report", " 62 % full ") == (True, "62 % full")
    with pytest.raises(CriterionError, match="value: conforms"):
        evaluate("conforms", "98")


@pytest.mark.parametrize(
    ("criterion", "rule"),
    [
        ("", "required"),
        ("102.0-98.0", "range order"),
        ("5-5", "range order"),
        ("98,0-102,0", "decimal point"),
        ("about 5", "form"),
        ("=>5", "form"),
        ("NaN", "form"),
        (">=1E999", "range"),
        ("5", "form"),
    ],
)
def test_it_refuses_malformed_criteria_naming_the_field_and_rule(criterion, rule):
    with pytest.raises(CriterionError) as refused:
        evaluate(criterion, "1")
    assert (refused.value.field, refused.value.rule) == ("criterion", rule)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "required"),
        ("abc", "number"),
        ("1,5", "decimal point"),
        ("Infinity", "number"),
        ("1e999", "range"),
        ("5 %", "number"),
    ],
)
def test_it_refuses_malformed_values_naming_the_field_and_rule(value, rule):
    with pytest.raises(CriterionError) as refused:
        evaluate("98.0-102.0", value)
    assert (refused.value.field, refused.value.rule) == ("value", rule)


limits = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=2, allow_nan=False)


@given(limits)
def test_a_value_equal_to_an_inclusive_limit_conforms(limit):
    text = str(limit)
    assert evaluate(f">={text}", text)["conforms"]
    assert evaluate(f"<={text}", text)["conforms"]
    assert not evaluate(f">{text}", text)["conforms"]
    assert not evaluate(f"<{text}", text)["conforms"]


@given(
    limits,
    st.decimals(min_value=Decimal("-2000"), max_value=Decimal("2000"), places=4, allow_nan=False),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("50"), places=4, allow_nan=False),
)
def test_conformance_is_monotonic_against_a_lower_limit(limit, value, more):
    # A larger value never fails a lower limit that a smaller one passed.
    if evaluate(f">={limit}", str(value))["conforms"]:
        assert evaluate(f">={limit}", str(value + more))["conforms"]


@given(st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=4, allow_nan=False))
def test_the_reported_value_has_the_limits_decimals(value):
    reported = evaluate("98.0-102.0", str(value))["reported"]
    assert len(reported.split(".")[1]) == 1
    assert abs(Decimal(reported) - value) <= Decimal("0.05")
