"""The QC laboratory's tables (one file per area, re-exported here)."""

from atmp.lab.models.viral import Mechanism, TitreUnit, ViralClearanceStep, ViralClearanceStudy  # noqa: F401
