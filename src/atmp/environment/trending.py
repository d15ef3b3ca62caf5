"""Trend rules for monitoring results (pure: no Django): which results complete an adverse trend.

Two kinds, each a site decision (TrendPolicy; these defaults without one):
- **Nelson rules** (Nelson 1984, J Qual Technol 16:237; atmp.stats.control_rules) on the individuals
  chart of a point's results in one state, drawn from its newest `baseline_results` results. The
  default rules are 1–4: Nelson (1985, J Qual Technol 17:114) advises them for routine use ("the
  combined chance of a false signal from one or more of these tests is less than one in a hundred");
  5–8 raise false alarms on skewed, zero-heavy counts far more often.
- **Repeated alerts**: `consecutive_alerts` alert-level results in a row at a point, or
  `window_alerts` within `window_days` (both states counted). Annex 1 (2022) §9.26–9.27: alert
  levels are set from trend data so that adverse trends (a number of events, or individual events
  that indicate a deterioration of environmental control) are detected and addressed. PDA TR13
  (Fundamentals of an Environmental Monitoring Program, rev. 2014) discusses repeated alert-level
  results as such a trend without fixing counts: 2 in a row and 3 in 30 days are atmp's defaults.

A rule fires only at a new result, and not when it also fired at the result before (a run that
goes on is the same trend): an alert is raised once per trend, not at every further point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from atmp.stats import control_rules
from atmp.stats.errors import StatsInputError

CONSECUTIVE = "consecutive_alerts"
IN_WINDOW = "alerts_in_window"
ALERT = "alert"


@dataclass(frozen=True)
class Policy:
    """A site's trend decisions (atmp.environment.models.TrendPolicy holds them per site)."""

    rules: tuple[int, ...] = (1, 2, 3, 4)
    consecutive_alerts: int = 2
    window_alerts: int = 3
    window_days: int = 30
    baseline_results: int = 50


DEFAULT = Policy()
MAX_BASELINE = 1000


def nelson(rule: int) -> str:
    """Return the stored name of a Nelson rule, e.g. 'nelson_2'."""
    return f"nelson_{rule}"


def rule_label(name: str) -> str:
    """Return a stored rule name in words."""
    if name.startswith("nelson_") and name[7:].isdecimal() and int(name[7:]) in control_rules.RULES:
        return f"Nelson rule {name[7:]}: {control_rules.RULES[int(name[7:])]}"
    return {CONSECUTIVE: "alert-level results in a row", IN_WINDOW: "alert-level results in a rolling window"}.get(
        name, name
    )


@dataclass(frozen=True)
class Chart:
    """An individuals chart of a point's results, or why none could be drawn (`note`)."""

    values: tuple[float, ...]
    centre: float | None
    sigma: float | None
    violations: tuple[control_rules.Violation, ...]  # the active rules' only
    note: str = ""

    def fired(self, rule: int) -> set[int]:
        """Return the indices at which a rule fired."""
        return {v.index for v in self.violations if v.rule == rule}


def chart(values: Sequence[float], rules: Sequence[int]) -> Chart:
    """Return the values' individuals chart (centre and σ estimated from them) and the active rules' violations."""
    if len(values) < 2:
        return Chart(tuple(values), None, None, (), note="fewer than 2 results: no chart")
    try:
        drawn = control_rules.individuals_chart(list(values))
    except StatsInputError:
        # All equal (grade A: every plate 0): σ cannot be estimated and no rule can be applied.
        return Chart(tuple(values), None, None, (), note="every result is the same: no variation to chart")
    active = set(rules)
    kept = tuple(v for v in drawn.violations if v.rule in active)
    return Chart(drawn.values, drawn.centre, drawn.sigma, kept)


def new_violations(drawn: Chart, new: Sequence[int], rules: Sequence[int]) -> list[tuple[int, int]]:
    """Return (rule, index) for each active rule that fires at a new index and did not at the one before."""
    found = []
    for rule in sorted(set(rules)):
        fired = drawn.fired(rule)
        found += [(rule, i) for i in sorted(set(new)) if i in fired and (i - 1) not in fired]
    return found


def repeated(
    series: Sequence[tuple[dt.datetime, str]], new: Sequence[int], policy: Policy = DEFAULT
) -> list[tuple[str, int]]:
    """Return (rule, index) where a new alert-level result repeats alerts, by the policy's counts.

    `series`: (taken_at, level) in time order, both states. A repetition that goes on (the previous
    alert-level result already completed it) is the same trend and is not returned again.
    """
    alerts = [i for i, (_, level) in enumerate(series) if level == ALERT]

    def consecutive(i: int) -> bool:
        k = policy.consecutive_alerts
        return k > 0 and i + 1 >= k and all(series[j][1] == ALERT for j in range(i - k + 1, i + 1))

    def in_window(i: int) -> bool:
        k, since = policy.window_alerts, series[i][0] - dt.timedelta(days=policy.window_days)
        return k > 0 and sum(1 for j in alerts if j <= i and series[j][0] > since) >= k

    found = []
    for i in sorted(set(new)):
        if series[i][1] != ALERT:
            continue
        before = [j for j in alerts if j < i]
        previous = before[-1] if before else None
        for name, holds in ((CONSECUTIVE, consecutive), (IN_WINDOW, in_window)):
            if holds(i) and not (previous is not None and holds(previous)):
                found.append((name, i))
    return found
