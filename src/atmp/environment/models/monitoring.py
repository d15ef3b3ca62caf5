"""Rooms, their sample points, the site's alert limits, and the results taken at the points.

EU GMP Annex 1 (2022) §9: a room has a grade (A–D); it is monitored for total particles and viable
contamination at sample points; results are judged against Annex 1's action limits (built in:
atmp.environment.limits) and the site's own alert limits, set below them from trend data.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from atmp.accounts.models import Site
from atmp.environment import limits
from atmp.environment.workflows.rooms import ROOM_WORKFLOW
from atmp.files.models import StoredFile
from atmp.ledger.records import GmpRecord
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["AlertLimit", "Result", "Room", "SamplePoint"]

GRADE_CHOICES = [(g, f"Grade {g}") for g in limits.GRADES]
TYPE_CHOICES = list(limits.SAMPLE_TYPE_LABELS.items())
STATE_CHOICES = [("at_rest", "At rest"), ("in_operation", "In operation")]
LEVEL_CHOICES = [(limits.WITHIN, "Within"), (limits.ALERT, "Alert"), (limits.ACTION, "Action")]
# Biosafety levels (WHO Laboratory Biosafety Manual; containment for GMOs, Directive 2009/41/EC).
BSL_CHOICES = [(n, f"BSL-{n}") for n in (1, 2, 3, 4)]


class Room(WorkflowRecord):
    """A cleanroom of a site, named by its code there, with its grade and biosafety level."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    grade = models.CharField(max_length=1, choices=GRADE_CHOICES)
    biosafety_level = models.PositiveSmallIntegerField(choices=BSL_CHOICES, default=1)

    workflow: ClassVar[Workflow] = ROOM_WORKFLOW
    write_permission: ClassVar[str] = "quality.decide"  # QA and validation set the rooms up
    site_id: int

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["site", "code"], name="environment_room_code_per_site")]

    def __str__(self) -> str:
        return f"room {self.code} (grade {self.grade})"


class SamplePoint(GmpRecord):
    """A place in a room sampled by one method (a particle counter's probe, a plate's position)."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="points")
    code = models.CharField(max_length=40)
    type = models.CharField(max_length=20, choices=TYPE_CHOICES)
    location = models.CharField(
        max_length=200, blank=True, help_text="Where it is, e.g. 'BSC 2, left of the work zone'."
    )

    write_permission: ClassVar[str] = "quality.decide"
    site_path: ClassVar[str | None] = "room__site_id"
    room_id: int

    class Meta:
        ordering = ["room_id", "code"]
        constraints = [models.UniqueConstraint(fields=["room", "code"], name="environment_point_code_per_room")]

    def __str__(self) -> str:
        return f"sample point {self.code} ({self.get_type_display()})"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the room's site."""
        return frozenset({int(self.room.site_id)})


class AlertLimit(GmpRecord):
    """A site's alert limit: for a grade and sample type (point empty), or for one sample point.

    `state` empty: both states. Always strictly below the Annex 1 action limit where there is one
    (services.limits refuses it otherwise). A changed limit is an audited edit of the same record.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=1, choices=GRADE_CHOICES, blank=True)
    type = models.CharField(max_length=20, choices=TYPE_CHOICES)
    state = models.CharField(max_length=20, choices=STATE_CHOICES, blank=True)
    point = models.ForeignKey(SamplePoint, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    value = models.DecimalField(max_digits=14, decimal_places=3)

    write_permission: ClassVar[str] = "quality.decide"
    site_id: int
    point_id: int | None

    class Meta:
        ordering = ["grade", "type", "state", "pk"]

    def __str__(self) -> str:
        where = f"point {self.point_id}" if self.point_id else f"grade {self.grade}"
        return f"alert limit {self.value} for {where} {self.type} {self.state or 'any state'}"


class Result(GmpRecord):
    """A monitoring result at a sample point, with its level and the limits it was judged against.

    The limits are kept as they were when it was judged (a later change of an alert limit does not
    change what this result was). `operator` is who took the sample.
    """

    point = models.ForeignKey(SamplePoint, on_delete=models.PROTECT, related_name="results")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField()
    state = models.CharField(max_length=20, choices=STATE_CHOICES)
    value = models.DecimalField(max_digits=14, decimal_places=3)
    unit = models.CharField(max_length=20)
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(max_length=60, blank=True, help_text="The batch in process, if any (text for now).")
    level = models.CharField(max_length=10, choices=LEVEL_CHOICES)
    action_limit = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    alert_limit = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    limits_from = models.CharField(max_length=300, help_text="Where the limits came from.")
    source_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    point_id: int
    site_id: int
    operator_id: int

    class Meta:
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["point", "taken_at"], name="environment_result_point")]

    def __str__(self) -> str:
        return f"EM result {self.value} {self.unit} ({self.level})"
