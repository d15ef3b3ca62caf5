"""The quality system's tables, one module per area (each re-exported here for Django's loader)."""

from atmp.quality.models.capa import Capa, CapaAction
from atmp.quality.models.deviations import Deviation, PlannedDeviation

__all__ = ["Capa", "CapaAction", "Deviation", "PlannedDeviation"]
