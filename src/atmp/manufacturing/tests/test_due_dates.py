"""Due dates are computed from the last one done and the interval (atmp.manufacturing.due, pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from atmp.manufacturing import due
from atmp.manufacturing.selectors.equipment import due_state

D = dt.date(2026, 3, 1)


def test_the_next_due_date_is_the_last_one_done_plus_the_interval():
    assert due.due_date(D, 365) == dt.date(2027, 3, 1)
    assert due.due_date(dt.date(2028, 2, 28), 1) == dt.date(2028, 2, 29)  # a leap day is a day


def test_there_is_no_due_date_without_a_regime_or_before_the_first_one_is_done():
    assert due.due_date(D, None) is None
    assert due.due_date(None, 30) is None


def test_an_interval_is_positive():
    with pytest.raises(ValueError):
        due.due_date(D, 0)


def test_work_is_overdue_from_the_day_after_its_due_date():
    assert not due.is_overdue(D, D, required=True)
    assert due.is_overdue(D, D + dt.timedelta(days=1), required=True)


def test_required_work_never_done_is_overdue_and_work_without_a_regime_never_is():
    assert due.is_overdue(None, D, required=True)
    assert not due.is_overdue(None, D, required=False)


def test_a_cleaning_expires_after_the_clean_hold_time_or_never_without_one():
    at = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
    assert due.clean_until(at, 24) == dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    assert due.clean_until(at, None) is None


def test_the_due_state_of_a_regime():
    assert due_state(None, None, D) == "none"
    assert due_state(None, 30, D) == "never"
    assert due_state(D - dt.timedelta(days=1), 30, D) == "overdue"
    assert due_state(D + dt.timedelta(days=14), 30, D) == "due soon"
    assert due_state(D + dt.timedelta(days=15), 30, D) == "ok"


def test_due_is_pure():
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(due))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"__future__", "datetime"}
