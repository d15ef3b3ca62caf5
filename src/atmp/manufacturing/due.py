"""Due dates of periodic equipment work (calibration, maintenance) and cleaning expiry: pure, no Django.

EU GMP Chapter 3 §3.41 and Part IV ch. 5 (Equipment), 'maintenance, cleaning and repairs': measuring equipment
is calibrated at defined intervals, and equipment is maintained and cleaned per written procedures; the next due
date is computed from the last one done and the interval, never typed.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["clean_until", "due_date", "is_overdue"]


def due_date(last_done: dt.date | None, interval_days: int | None) -> dt.date | None:
    """Return when the work falls due next: the last one done plus the interval (None: no regime, or never done)."""
    if interval_days is None or last_done is None:
        return None
    if interval_days <= 0:
        raise ValueError("an interval is a positive number of days")
    return last_done + dt.timedelta(days=interval_days)


def is_overdue(due: dt.date | None, on: dt.date, *, required: bool) -> bool:
    """Return True when work that is required has a due date before the day, or was never done.

    The due date itself is still within the interval: the work is overdue from the day after.
    """
    if not required:
        return False
    return due is None or on > due


def clean_until(cleaned_at: dt.datetime, hold_hours: int | None) -> dt.datetime | None:
    """Return when a cleaning expires (the validated clean hold time), None when it does not expire."""
    if hold_hours is None:
        return None
    if hold_hours <= 0:
        raise ValueError("a clean hold time is a positive number of hours")
    return cleaned_at + dt.timedelta(hours=hold_hours)
