"""The catalogue: every analysis `atmp stats`, the API and the Statistics page offer, by name."""

from __future__ import annotations

from atmp.stats.analyses import comparability, shelf_life, tolerance, trend, viral
from atmp.stats.catalogue import Analysis

MODULES = (shelf_life, comparability, tolerance, trend, viral)
ANALYSES: dict[str, Analysis] = {a.name: a for module in MODULES for a in module.ANALYSES}
