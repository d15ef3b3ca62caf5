"""The catalogue: every analysis `atmp stats`, the API and the Statistics page offer, by name."""

from __future__ import annotations

from atmp.stats.analyses import viral
from atmp.stats.catalogue import Analysis

ANALYSES: dict[str, Analysis] = {a.name: a for module in (viral,) for a in module.ANALYSES}
