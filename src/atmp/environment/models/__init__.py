"""The environmental monitoring tables (re-exported here for Django's loader)."""

from atmp.environment.models.monitoring import AlertLimit, Result, Room, SamplePoint
from atmp.environment.models.trends import TrendAlert, TrendPolicy

__all__ = ["AlertLimit", "Result", "Room", "SamplePoint", "TrendAlert", "TrendPolicy"]
