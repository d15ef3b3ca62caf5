"""The quality system's tables, one module per area (each re-exported here for Django's loader)."""

from atmp.quality.models.capa import Capa, CapaAction
from atmp.quality.models.deviations import Deviation, PlannedDeviation
from atmp.quality.models.documents import Document, DocumentVersion, TrainingRecord, TrainingRequirement

__all__ = [
    "Capa",
    "CapaAction",
    "Deviation",
    "Document",
    "DocumentVersion",
    "PlannedDeviation",
    "TrainingRecord",
    "TrainingRequirement",
]
