"""Risk assessments (ICH Q9(R1)): FMEA worksheets and the scales each site scores them on."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.quality import risk
from atmp.quality.workflows.risk import RISK_WORKFLOW
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["FmeaRow", "RiskAssessment", "RiskMethod", "RiskScale"]


class RiskScale(GmpRecord):
    """A site's scoring scale (site empty: the default of every site without its own).

    The thresholds mirror atmp.quality.risk.Scale; the definitions say, one line per level
    (level 1 first), what each score means, so that two assessors score alike (ICH Q9(R1) §5.1
    on managing subjectivity).
    """

    site = models.OneToOneField(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    levels = models.PositiveSmallIntegerField(default=risk.DEFAULT_SCALE.levels)
    major_rpn = models.PositiveIntegerField(default=risk.DEFAULT_SCALE.major_rpn)
    critical_rpn = models.PositiveIntegerField(default=risk.DEFAULT_SCALE.critical_rpn)
    major_severity = models.PositiveSmallIntegerField(default=risk.DEFAULT_SCALE.major_severity)
    critical_severity = models.PositiveSmallIntegerField(default=risk.DEFAULT_SCALE.critical_severity)
    severity_levels = models.TextField("severity definitions", blank=True)
    occurrence_levels = models.TextField("occurrence definitions", blank=True)
    detectability_levels = models.TextField("detectability definitions", blank=True)

    write_permission: ClassVar[str] = "quality.decide"
    # Configuration QA changes; an approver may sign a version of it as approved for use.
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {"approved": frozenset({Role.QA_APPROVER})}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voided"], condition=Q(site__isnull=True), name="quality_riskscale_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"risk scale of {self.site.code if self.site is not None else 'every site'}"

    def scale(self) -> risk.Scale:
        """Return the scale as the pure scoring module takes it."""
        return risk.Scale(
            levels=self.levels,
            major_rpn=self.major_rpn,
            critical_rpn=self.critical_rpn,
            major_severity=self.major_severity,
            critical_severity=self.critical_severity,
        )


class RiskMethod(models.TextChoices):
    FMEA = "fmea", "FMEA"


class RiskAssessment(WorkflowRecord):
    """A documented risk assessment of a product or process at a site (ICH Q9(R1)), scored by FMEA.

    The site's scale is frozen into the assessment when it is opened, so a later change of the
    scale does not change what the assessors scored against.
    """

    number = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    product = models.CharField(max_length=200, blank=True)
    process = models.CharField(max_length=200, blank=True)
    scope = models.TextField(blank=True)
    method = models.CharField(max_length=16, choices=RiskMethod.choices, default=RiskMethod.FMEA)
    conclusion = models.TextField(blank=True)
    scale_levels = models.PositiveSmallIntegerField(default=risk.DEFAULT_SCALE.levels)
    scale_major_rpn = models.PositiveIntegerField(default=risk.DEFAULT_SCALE.major_rpn)
    scale_critical_rpn = models.PositiveIntegerField(default=risk.DEFAULT_SCALE.critical_rpn)
    scale_major_severity = models.PositiveSmallIntegerField(default=risk.DEFAULT_SCALE.major_severity)
    scale_critical_severity = models.PositiveSmallIntegerField(default=risk.DEFAULT_SCALE.critical_severity)


    workflow: ClassVar[Workflow] = RISK_WORKFLOW
    signing_meanings = {"approved": frozenset({Role.QA_APPROVER}), "reviewed": frozenset({Role.QA_REVIEWER})}

    class Meta:
        indexes = [models.Index(fields=["status", "site"], name="quality_ra_status_site")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def scale(self) -> risk.Scale:
        """Return the scale the assessment is scored on (frozen when it was opened)."""
        return risk.Scale(
            levels=self.scale_levels,
            major_rpn=self.scale_major_rpn,
            critical_rpn=self.scale_critical_rpn,
            major_severity=self.scale_major_severity,
            critical_severity=self.scale_critical_severity,
        )


class FmeaRow(GmpRecord):
    """One failure mode of an FMEA worksheet: scores, RPN and class as computed, actions, residual risk."""

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="rows")
    position = models.PositiveIntegerField()
    failure_mode = models.CharField(max_length=500)
    effect = models.TextField(blank=True)
    cause = models.TextField(blank=True)
    controls = models.TextField("current controls", blank=True)
    severity = models.PositiveSmallIntegerField()
    occurrence = models.PositiveSmallIntegerField()
    detectability = models.PositiveSmallIntegerField()
    rpn = models.PositiveIntegerField("RPN")
    risk_class = models.CharField(max_length=16)
    actions = models.TextField(blank=True)
    residual_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_occurrence = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_detectability = models.PositiveSmallIntegerField(null=True, blank=True)
    residual_rpn = models.PositiveIntegerField("residual RPN", null=True, blank=True)
    residual_class = models.CharField(max_length=16, blank=True)

    site_path: ClassVar[str] = "assessment__site_id"
    # A row is signed with its assessment (the assessment's approval); a reviewer may mark one reviewed.
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER})
    }

    class Meta:
        ordering = ["assessment_id", "position"]

    def __str__(self) -> str:
        return f"{self.failure_mode} (RPN {self.rpn})"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the assessment's site."""
        return frozenset({int(self.assessment.site_id)})
