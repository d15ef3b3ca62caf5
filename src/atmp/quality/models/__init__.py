"""The quality system's tables, one module per area (each re-exported here for Django's loader)."""

from atmp.quality.models.capa import Capa, CapaAction
from atmp.quality.models.changes import *  # noqa: F403
from atmp.quality.models.complaints import *  # noqa: F403
from atmp.quality.models.deviations import Deviation, PlannedDeviation
from atmp.quality.models.documents import Document, DocumentVersion, TrainingRecord, TrainingRequirement
from atmp.quality.models.inspections import *  # noqa: F403
from atmp.quality.models.recalls import *  # noqa: F403
from atmp.quality.models.reviews import ManagementReview
from atmp.quality.models.risk import *  # noqa: F403
from atmp.quality.models.suppliers import *  # noqa: F403

__all__ = [
    "Capa",
    "CapaAction",
    "Deviation",
    "Document",
    "DocumentVersion",
    "ManagementReview",
    "PlannedDeviation",
    "TrainingRecord",
    "TrainingRequirement",
]
