"""QA trend alerts and the site's trend policy (which rules raise an alert, the baseline window).

EU GMP Annex 1 (2022) §9.4 and §9.26–9.27 ask for monitoring data to be trended and for adverse
trends (repeated alert-level results, a shift or drift) to be investigated; atmp raises a trend
alert for QA when a sample point's results repeat alert levels or complete a Nelson rule
(docs/environment.md, "Trends and QA alerts").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.environment.models.monitoring import STATE_CHOICES, Result, SamplePoint
from atmp.environment.workflows.alerts import TREND_ALERT_WORKFLOW
from atmp.ledger.records import GmpRecord
from atmp.quality.models.capa import Capa
from atmp.quality.models.deviations import Deviation
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["TrendAlert", "TrendPolicy"]

QA_ROLES = frozenset({Role.QA_REVIEWER, Role.QA_APPROVER, Role.QUALIFIED_PERSON})


class TrendAlert(WorkflowRecord):
    """An adverse trend at a sample point, raised for QA with the result that completed it.

    `rule`: "nelson_1" … "nelson_8", "consecutive_alerts" or "alerts_in_window". `state` empty: the
    results of both states (repeated alerts count both). One alert per point, state, rule and result
    (the constraint): evaluating the same results again raises nothing new.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    point = models.ForeignKey(SamplePoint, on_delete=models.PROTECT, related_name="trend_alerts")
    state = models.CharField(max_length=20, choices=STATE_CHOICES, blank=True)
    rule = models.CharField(max_length=30)
    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="+")
    detail = models.TextField()
    assessment = models.TextField(blank=True, verbose_name="QA's assessment")
    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    capa = models.ForeignKey(Capa, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    workflow: ClassVar[Workflow] = TREND_ALERT_WORKFLOW
    # Written with QA's signed assessment (the transition), never by an edit: the signature binds them.
    system_fields: ClassVar[frozenset[str]] = frozenset({"assessment", "deviation_id", "capa_id"})
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {"reviewed": QA_ROLES}
    work_related: ClassVar[tuple[str, ...]] = ("point__room",)
    site_id: int
    point_id: int
    result_id: int
    deviation_id: int | None
    capa_id: int | None

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(fields=["point", "state", "rule", "result"], name="environment_trend_alert_once")
        ]
        indexes = [models.Index(fields=["point", "rule", "status"], name="environment_trend_alert_open")]

    def __str__(self) -> str:
        return f"EM trend alert {self.pk}: {self.rule_label()} at {self.point.room.code}/{self.point.code}"

    def rule_label(self) -> str:
        """Return the rule in words."""
        from atmp.environment.trending import rule_label

        return rule_label(self.rule)

    def work_title(self) -> str:
        """Return how My work names the alert."""
        return str(self)


class TrendPolicy(GmpRecord):
    """A site's trend decisions: the Nelson rules that raise alerts, repeated-alert counts, the baseline.

    One per site (the constraint); without one the defaults of atmp.environment.trending.DEFAULT apply.
    """

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    rules = models.CharField(max_length=20, help_text="The active Nelson rules, e.g. '1,2,3,4'.")
    consecutive_alerts = models.PositiveSmallIntegerField(help_text="Alert-level results in a row; 0: off.")
    window_alerts = models.PositiveSmallIntegerField(help_text="Alert-level results within window_days; 0: off.")
    window_days = models.PositiveSmallIntegerField()
    baseline_results = models.PositiveSmallIntegerField(help_text="The newest results a chart is drawn from.")

    write_permission: ClassVar[str] = "quality.decide"
    site_id: int

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site"], name="environment_trend_policy_per_site")]

    def __str__(self) -> str:
        return f"EM trend policy of site {self.site_id}: rules {self.rules}"
