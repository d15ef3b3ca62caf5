"""The Annex 1 (2022) action limits and the evaluation rule, every grade × sample type × state.

The expected table is typed here again from Annex 1 (2022) Table 5 (§9.5) and Table 6 (§9.29),
not read from the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from atmp.environment import limits

# (grade, sample type, state) → the Annex 1 action limit; None: Annex 1 sets none.
P05, P50 = "particles_0_5", "particles_5_0"
TABLE5 = {
    ("A", "at_rest"): (3520, 29),
    ("A", "in_operation"): (3520, 29),
    ("B", "at_rest"): (3520, 29),
    ("B", "in_operation"): (352000, 2930),
    ("C", "at_rest"): (352000, 2930),
    ("C", "in_operation"): (3520000, 29300),
    ("D", "at_rest"): (3520000, 29300),
    ("D", "in_operation"): (None, None),
}
TABLE6 = {  # air, settle, contact, glove
    "A": (0, 0, 0, 0),
    "B": (10, 5, 5, 5),
    "C": (100, 50, 25, None),
    "D": (200, 100, 50, None),
}
VIABLE_TYPES = ("active_air", "settle_plate", "contact_plate", "glove_print")


def _expected() -> list[tuple[str, str, str, int | None]]:
    rows = []
    for (grade, state), (small, large) in TABLE5.items():
        rows += [(grade, P05, state, small), (grade, P50, state, large)]
        for sample_type, limit in zip(VIABLE_TYPES, TABLE6[grade], strict=True):
            rows.append((grade, sample_type, state, limit))
    return rows


EXPECTED = _expected()


def test_the_table_covers_every_grade_type_and_state():
    assert len(EXPECTED) == 4 * 6 * 2
    assert {(g, t, s) for g, t, s, _ in EXPECTED} == {
        (g, t, s) for g in limits.GRADES for t in limits.SAMPLE_TYPES for s in limits.STATES
    }


@pytest.mark.parametrize(("grade", "sample_type", "state", "limit"), EXPECTED)
def test_action_limit_is_annex_1s(grade, sample_type, state, limit):
    assert limits.action_limit(grade, sample_type, state) == (None if limit is None else Decimal(limit))


@pytest.mark.parametrize(("grade", "sample_type", "state", "limit"), EXPECTED)
def test_a_count_at_the_limit_is_within_and_one_above_is_action(grade, sample_type, state, limit):
    action = limits.action_limit(grade, sample_type, state)
    if limit is None:
        # No Annex 1 limit (grade D particles in operation, grade C/D gloves): never action by Annex 1.
        assert limits.evaluate(Decimal(10**9), action=action, alert=None).level == "within"
        return
    assert limits.evaluate(Decimal(limit), action=action, alert=None).level == "within"
    assert limits.evaluate(Decimal(limit) + 1, action=action, alert=None).level == "action"


@pytest.mark.parametrize("sample_type", VIABLE_TYPES)
@pytest.mark.parametrize("state", ["at_rest", "in_operation"])
def test_in_grade_a_any_growth_is_action(sample_type, state):
    action = limits.action_limit("A", sample_type, state)
    assert limits.evaluate(Decimal(0), action=action, alert=None).level == "within"
    assert limits.evaluate(Decimal(1), action=action, alert=None).level == "action"
    assert limits.evaluate(Decimal("0.5"), action=action, alert=None).level == "action"


def test_alert_then_action():
    action, alert = Decimal(10), Decimal(5)
    assert limits.evaluate(Decimal(5), action=action, alert=alert).level == "within"
    assert limits.evaluate(Decimal(6), action=action, alert=alert).level == "alert"
    assert limits.evaluate(Decimal(10), action=action, alert=alert).level == "alert"
    found = limits.evaluate(Decimal(11), action=action, alert=alert)
    assert (found.level, found.action, found.alert) == ("action", action, alert)


def test_an_alert_without_an_action_limit_still_alerts():
    assert limits.evaluate(Decimal(7), action=None, alert=Decimal(5)).level == "alert"


@pytest.mark.parametrize(
    ("grade", "sample_type", "state", "field"),
    [
        ("E", P05, "at_rest", "grade"),
        ("a", P05, "at_rest", "grade"),
        ("A", "fungi", "at_rest", "sample_type"),
        ("A", P05, "dynamic", "state"),
    ],
)
def test_bad_input_is_refused_naming_the_field(grade, sample_type, state, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        limits.action_limit(grade, sample_type, state)


def test_the_printed_table_is_the_issues_shape():
    table = limits.table()
    assert table["particles"]["D"]["in_operation"] == {"0.5": None, "5.0": None}
    assert table["particles"]["B"]["in_operation"] == {"0.5": 352000, "5.0": 2930}
    assert table["viable"]["A"] == {"air": 0, "settle": 0, "contact": 0, "glove": 0}
    assert table["viable"]["C"]["glove"] is None and table["viable"]["D"]["glove"] is None
    assert set(table) == {"particles", "viable"} and list(table["viable"]) == ["A", "B", "C", "D"]


def test_the_obsolete_2008_grade_a_figure_is_not_used():
    assert limits.action_limit("A", P50, "in_operation") == 29  # 2008 Annex 1 said 20
