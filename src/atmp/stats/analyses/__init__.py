"""The catalogue: every analysis `atmp stats`, the API and the Statistics page offer, by name.

Modules load when first asked for: `atmp stats signals` needs neither statsmodels nor matplotlib,
and importing every method would cost it a second. `ANALYSES` (all of them, in this order) loads
every module; `analysis(name)` loads only the one that declares it.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import Any

from atmp.stats.catalogue import Analysis

# Each analysis's name and the module of atmp.stats.analyses that declares it (a test checks both ways).
WHERE = {
    "shelf-life": "shelf_life",
    "tost": "comparability",
    "quality-range": "comparability",
    "tolerance-factor": "tolerance",
    "trend": "trend",
    "lrv": "viral",
    "potency": "potency",
    "potency-combine": "potency",
    "disproportionality": "vigilance",
    "ebgm": "vigilance",
    "signals": "vigilance",
}


def analysis(name: str) -> Analysis:
    """Return the analysis called `name`, loading only its module; KeyError if there is none."""
    module = importlib.import_module(f"{__name__}.{WHERE[name]}")
    for found in module.ANALYSES:
        if found.name == name:
            return found  # type: ignore[no-any-return]
    raise KeyError(name)


@cache
def _all() -> dict[str, Analysis]:
    return {name: analysis(name) for name in WHERE}


def __getattr__(name: str) -> Any:
    if name == "ANALYSES":
        return _all()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
